/*
 * main.c - the command line: options, the key, then the mount.
 *
 *   instantlyfs [options] [SOURCE] MOUNTPOINT
 *   instantlyfs connections list|create|get|delete [ID]
 *   instantlyfs cache info|clear [--workspace ID] [--cache-dir PATH]
 *
 * The key comes from the environment or -o key_file, never from argv.
 * SOURCE is the word mount(8) and mount.fuse3 pass before the mount point
 * (the first field of an fstab line); it names the mount (fsname).  The
 * options only mount(8) reads (noauto, _netdev, x-systemd.*, ...) are
 * dropped, so that an fstab line mounts as it is.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "cache.h"
#include "cachecmd.h"
#include "connections.h"
#include "fs.h"
#include "inode.h"
#include "inval.h"
#include "key.h"
#include "log.h"
#include "mirror.h"
#include "rate.h"
#include "relist.h"
#include "route.h"
#include "stop.h"
#include "timezones.h"
#include "tree.h"

struct options {
	char *api_url;
	char *key_file;
	char *connection;
	char *cafile;
	char *mode;
	char *timezone;
	char *cache_dir;
	char *cache;
	char *words[2];	/* [SOURCE] MOUNTPOINT */
	int nwords;
	double cache_ttl;
	double cache_mem;
	double kernel_ttl;
	double stop_timeout;
	int cache_size;
	int relist_chains;
	int retries;
	int timeout;
	int rate;
	int rate_min;
	int email_rate_min;
	int verbose;
	int show_help;
	int show_version;
};

#define OPT(t, p) { t, offsetof(struct options, p), 1 }
#define MAX_NODES(n) ((n) > 4096 ? (n) : 4096)
static const struct fuse_opt option_spec[] = {
	OPT("api_url=%s", api_url),
	OPT("key_file=%s", key_file),
	OPT("connection=%s", connection),
	OPT("cafile=%s", cafile),
	OPT("mode=%s", mode),
	OPT("timezone=%s", timezone),
	OPT("cache_dir=%s", cache_dir),
	OPT("cache=%s", cache),
	OPT("cache_ttl=%lf", cache_ttl),
	OPT("cache_mem=%lf", cache_mem),
	OPT("cache_size=%d", cache_size),
	OPT("relist_chains=%d", relist_chains),
	OPT("kernel_ttl=%lf", kernel_ttl),
	OPT("stop_timeout=%lf", stop_timeout),
	OPT("retries=%d", retries),
	OPT("rate=%d", rate),
	OPT("rate_min=%d", rate_min),
	OPT("email_rate_min=%d", email_rate_min),
	OPT("timeout=%d", timeout),
	OPT("verbose", verbose),
	OPT("-h", show_help),
	OPT("--help", show_help),
	OPT("-V", show_version),
	OPT("--version", show_version),
	FUSE_OPT_END
};

static void usage(const char *prog)
{
	printf("usage: %s [options] [SOURCE] MOUNTPOINT\n"
	       "       %s connections list|create|get|delete [ID]\n"
	       "       %s cache info [--cache-dir PATH]\n"
	       "       %s cache clear [--workspace ID] [--cache-dir PATH]\n\n"
	       "Mounts an Instantly.ai workspace (API v2) as files.\n\n"
	       "The key comes from INSTANTLY_API_KEY (direct), MATON_API_KEY\n"
	       "(gateway) or -o key_file=PATH (mode 0600).  SOURCE, any\n"
	       "word (instantly, as mount(8) passes it), names the mount.\n\n"
	       "instantlyfs options:\n"
	       "    -o api_url=URL         API base (default %s,\n"
	       "                           gateway %s)\n"
	       "    -o mode=direct|gateway force the mode\n"
	       "    -o key_file=PATH       read the key from PATH\n"
	       "    -o connection=ID       gateway: Maton-Connection to use\n"
	       "    -o cafile=PATH         CA bundle to trust instead of the\n"
	       "                           system's\n"
	       "    -o timezone=ZONE       schedule of campaigns made by mkdir\n"
	       "                           (America/Chicago; one the API takes)\n"
	       "    -o cache_ttl=SECONDS   how long listings stay fresh (60)\n"
	       "    -o cache=disk|memory   keep a mirror of the workspace on\n"
	       "                           disk, or only in memory (disk)\n"
	       "    -o cache_dir=PATH      where the mirror is kept\n"
	       "                           ($XDG_CACHE_HOME/instantlyfs)\n"
	       "    -o cache_mem=MB        the most file contents held in\n"
	       "                           memory; the disk holds the rest (24)\n"
	       "    -o cache_size=MB       cap on the mirror's size on disk: the\n"
	       "                           least recently used objects go first\n"
	       "                           (0: no cap; the default)\n"
	       "    -o relist_chains=N     cursor chains a big leads folder is\n"
	       "                           listed again with (8; 1: one)\n"
	       "    -o kernel_ttl=SECONDS  the longest the kernel keeps names\n"
	       "                           and attributes (as long as the\n"
	       "                           cache holds them)\n"
	       "    -o retries=N           attempts again after a 429, 5xx or lost\n"
	       "                           connection (5)\n"
	       "    -o rate=N              requests a second at most (100;\n"
	       "                           gateway 10; 0: no limit)\n"
	       "    -o rate_min=N          requests a minute at most (6000)\n"
	       "    -o email_rate_min=N    email listings a minute at most (20;\n"
	       "                           0 for rate, rate_min or this: no limit)\n"
	       "    -o timeout=SECONDS     per request (60)\n"
	       "    -o stop_timeout=SECONDS  at unmount or SIGTERM, how long\n"
	       "                           writes under way may still take (10)\n"
	       "    -o verbose             log every request\n"
	       "    -f, -d, -s, -o ro, -o allow_other: as for any FUSE mount\n"
	       "    -h, --help, -V, --version\n",
	       prog, prog, prog, prog, API_DIRECT_URL, API_GATEWAY_URL);
}

/*
 * Options dropped, so that they never fail a mount: those only mount(8)
 * and fstab read (mount.fuse3 drops a few itself, mount(8) others), and
 * the time, version, lock and message options of other file systems,
 * which libfuse does not know and which change nothing here (the times
 * of files come from the API).  nosymfollow is not one: it fails.
 */
static const char *const ignored_options[] = {
	"defaults", "auto", "noauto", "user", "nouser", "users", "owner",
	"group", "_netdev", "nofail", "diratime", "nodiratime", "relatime",
	"norelatime", "strictatime", "nostrictatime", "lazytime",
	"nolazytime", "iversion", "noiversion", "mand", "nomand", "silent",
	"loud", NULL
};

static int ignored_option(const char *arg)
{
	if (!strncmp(arg, "x-", 2) || !strncmp(arg, "comment=", 8))
		return 1;
	for (int i = 0; ignored_options[i]; i++)
		if (!strcmp(arg, ignored_options[i]))
			return 1;
	return 0;
}

/*
 * fuse_opt_parse's callback: drops the ignored options, and
 * keeps the words (SOURCE, MOUNTPOINT) aside; the mount point goes back
 * to the arguments once parsing is over (words_done).
 */
static int keep_word(void *data, const char *arg, int key,
		     struct fuse_args *outargs)
{
	struct options *o = data;

	(void)outargs;
	if (key == FUSE_OPT_KEY_OPT)
		return ignored_option(arg) ? 0 : 1;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (o->nwords == 2) {
		fprintf(stderr, "instantlyfs: too many arguments: %s (see "
				"--help)\n", arg);
		return -1;
	}
	o->words[o->nwords] = strdup(arg);
	return o->words[o->nwords++] ? 0 : -1;
}

/* Is the source a word fit for fsname (no comma, space or escape)? */
static int source_ok(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!strchr("._-@:+", *s) &&
		    !(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9'))
			return 0;
	return 1;
}

/* The mount point back among the arguments, the source as fsname. */
static int words_done(struct options *o, struct fuse_args *args)
{
	const char *source = o->nwords == 2 ? o->words[0] : "instantlyfs";
	char *fsname = NULL;
	int rc;

	if (!o->nwords) {	/* before the API is asked anything */
		fprintf(stderr, "instantlyfs: no mount point (see --help)\n");
		return 2;
	}
	if (!source_ok(source)) {
		fprintf(stderr, "instantlyfs: the source %s is not a word of "
				"letters, digits and ._-@:+\n", source);
		return 2;
	}
	if (asprintf(&fsname, "-ofsname=%s", source) < 0)
		return 1;
	rc = fuse_opt_add_arg(args, fsname);
	free(fsname);
	if (rc == 0)
		rc = fuse_opt_add_arg(args, o->words[o->nwords - 1]);
	return rc == 0 ? 0 : 1;
}

static int parse_mode(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "direct"))
		return API_MODE_DIRECT;
	if (!strcmp(s, "gateway"))
		return API_MODE_GATEWAY;
	return -2;
}

static void options_free(struct options *o)
{
	free(o->api_url);
	free(o->key_file);
	free(o->connection);
	free(o->cafile);
	free(o->mode);
	free(o->timezone);
	free(o->cache_dir);
	free(o->cache);
	for (int i = 0; i < o->nwords; i++)
		free(o->words[i]);
}

/* Checks the options and finds the key; 0, or the exit status. */
static int prepare(const struct options *o, struct api_config *api,
		   char **key)
{
	enum api_mode mode = API_MODE_DIRECT;
	int forced = parse_mode(o->mode);
	char *err = NULL;

	if (forced == -2) {
		fprintf(stderr, "instantlyfs: mode must be direct or gateway\n");
		return 2;
	}
	if (o->cache_ttl < 0 || !(o->cache_mem >= 1) ||
	    (o->kernel_ttl < 0 && o->kernel_ttl != -1) ||
	    o->cache_size < 0 || o->cache_size > 1 << 20 || o->retries < 0 ||
	    o->timeout <= 0 || o->rate < -1 || o->rate_min < 0 ||
	    o->email_rate_min < 0 || !(o->stop_timeout >= 0) ||
	    o->relist_chains < 1 || o->relist_chains > 64) {
		fprintf(stderr, "instantlyfs: bad cache_ttl, cache_mem, "
				"cache_size, kernel_ttl, retries, timeout, "
				"stop_timeout, rate "
				"or relist_chains\n");
		return 2;
	}
	if (o->cache && strcmp(o->cache, "disk") && strcmp(o->cache, "memory")) {
		fprintf(stderr, "instantlyfs: cache must be disk or memory\n");
		return 2;
	}
	if (o->cache_dir && o->cache_dir[0] != '/') {
		fprintf(stderr, "instantlyfs: cache_dir must be an absolute "
				"path\n");
		return 2;
	}
	if (o->timezone && !timezone_valid(o->timezone)) {
		fprintf(stderr, "instantlyfs: timezone %s is not one the API "
				"takes for campaign schedules\n", o->timezone);
		return 2;
	}
	*key = key_load(o->key_file, forced, &mode, &err);
	if (!*key) {
		fprintf(stderr, "%s\n", err ? err : "instantlyfs: no API key");
		free(err);
		return 2;
	}
	api->mode = mode;
	api->base_url = o->api_url ? o->api_url
		      : mode == API_MODE_GATEWAY ? API_GATEWAY_URL
						 : API_DIRECT_URL;
	api->connection = o->connection;
	api->cafile = o->cafile;
	api->connect_timeout_ms = 10000;
	api->timeout_ms = o->timeout * 1000L;
	api->max_retries = o->retries;
	return 0;
}

/*
 * Mounts and serves until unmounted or told to stop, as fuse_main does,
 * but a stop by SIGTERM, SIGINT or SIGHUP is a clean exit (status 0).
 * Either way the stop (stop.h) bounds what is still under way: reads are
 * dropped, writes and the pending deletes (fs_destroy) get the grace.
 */
static int run_fuse(struct fuse_args *args, double grace)
{
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *loop;
	struct fuse_session *se;
	int rc = 1;

	if (fuse_parse_cmdline(args, &opts) != 0)
		return 2;
	if (!opts.mountpoint) {
		fprintf(stderr, "instantlyfs: no mount point (see --help)\n");
		return 2;
	}
	se = fuse_session_new(args, &fs_ll_ops, sizeof(fs_ll_ops), NULL);
	if (!se)
		goto out;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto destroy;
	/* Until here errors go to stderr, for mount(8) to show; then the
	 * daemon's stderr is /dev/null and its log goes to syslog. */
	if (fuse_daemonize(opts.foreground) != 0)
		goto unmount;
	log_use_syslog(!opts.foreground);
	if (fuse_set_signal_handlers(se) != 0)
		goto unmount;
	loop = fuse_loop_cfg_create();
	if (!loop) {
		fuse_remove_signal_handlers(se);
		goto unmount;
	}
	fuse_loop_cfg_set_clone_fd(loop, opts.clone_fd);
	fuse_loop_cfg_set_idle_threads(loop, 10);
	fuse_loop_cfg_set_max_threads(loop, 16);
	mirror_open();	/* after going to the background: a thread */
	stop_init(se, grace);
	cache_watch(inval_report);
	/* Without it the kernel would keep what changed: no mount. */
	if (inval_start(se) < 0) {
		fprintf(stderr, "instantlyfs: cannot start a thread\n");
		cache_watch(NULL);
		fuse_loop_cfg_destroy(loop);
		fuse_remove_signal_handlers(se);
		goto unmount;
	}
	rc = opts.singlethread ? fuse_session_loop(se)
			       : fuse_session_loop_mt(se, loop);
	stop_begin();	/* if nothing under way noticed it first */
	inval_stop();
	cache_watch(NULL);
	/* The loop reports the signal that stopped it. */
	if (rc == SIGTERM || rc == SIGINT || rc == SIGHUP)
		rc = 0;
	rc = rc == 0 ? 0 : 1;
	fuse_loop_cfg_destroy(loop);
	fuse_remove_signal_handlers(se);
unmount:
	fuse_session_unmount(se);
destroy:
	fuse_session_destroy(se);
	inode_destroy();
out:
	free(opts.mountpoint);
	return rc;
}

/* Starts the API client and the cache, then serves the mount. */
static int serve(struct fuse_args *args, const struct options *o,
		 struct api_config *api, char *key)
{
	struct fs_config fsc = { .kernel_ttl = o->kernel_ttl };
	struct mirror_config mc = {
		.cache_dir = o->cache_dir,
		.memory_only = o->cache && !strcmp(o->cache, "memory"),
		.base_url = api->base_url,
		.connection = api->connection,
		.cache_size = (size_t)o->cache_size << 20,
	};
	struct rate_config rates = {
		.per_second = (size_t)(o->rate >= 0 ? o->rate
				       : api->mode == API_MODE_GATEWAY ? 10 : 100),
		.per_minute = (size_t)o->rate_min,
		.emails_per_minute = (size_t)o->email_rate_min,
	};
	int rc;

	if (rate_init(&rates) < 0) {
		key_free(key);
		return 1;
	}
	api->key = key;
	rc = api_init(api);
	key_free(key);
	if (rc < 0) {
		fprintf(stderr, "instantlyfs: cannot start the API client: %s\n",
			strerror(-rc));
		return 1;
	}
	cache_init(o->cache_ttl);
	cache_set_mem((size_t)(o->cache_mem * 1024 * 1024));
	relist_set_chains(o->relist_chains);
	/* The kernel's files: about 150 bytes each, a sixth of the bound. */
	inode_bound(MAX_NODES((size_t)(o->cache_mem * 1024 * 1024 / 256)));
	mirror_plan(&mc);
	if (o->timezone)
		h_make_set_timezone(o->timezone);
	fs_configure(&fsc);
	route_mount_time = time(NULL);
	fuse_opt_add_arg(args, "-odefault_permissions,subtype=instantlyfs");
	rc = run_fuse(args, o->stop_timeout);
	relist_drain();	/* chains of a re-list store what they fetch */
	mirror_close();	/* what is queued for the store is written */
	cache_destroy();
	api_cleanup();
	rate_cleanup();
	return rc;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o = { .cache_ttl = 60, .cache_mem = 24,
			     .kernel_ttl = -1, .retries = 5,
			     .stop_timeout = STOP_GRACE_DEFAULT,
			     .timeout = 60, .rate = -1, .rate_min = 6000,
			     .email_rate_min = 20,
			     .relist_chains = RELIST_MAX_CHAINS };
	struct api_config api = { 0 };
	char *key = NULL;
	int rc;

	key_guard_process();
	/* Memory given back: few arenas (FUSE threads free what others
	 * allocated), and a fixed threshold past which blocks are mapped
	 * (else it grows with each large block freed, and the heap with
	 * it). */
	mallopt(M_ARENA_MAX, 2);
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	if (argc > 1 && !strcmp(argv[1], "connections"))
		return connections_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "cache"))
		return cachecmd_main(argc - 1, argv + 1);
	if (fuse_opt_parse(&args, &o, option_spec, keep_word) < 0) {
		rc = 2;
	} else if (o.show_help) {
		usage(argv[0]);
		rc = 0;
	} else if (o.show_version) {
		printf("instantlyfs %s\n", INSTANTLYFS_VERSION);
		rc = 0;
	} else {
		rc = words_done(&o, &args);
		if (rc == 0)
			rc = prepare(&o, &api, &key);
		if (rc == 0) {
			log_set_level(o.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
			rc = serve(&args, &o, &api, key);
		}
	}
	fuse_opt_free_args(&args);
	options_free(&o);
	return rc;
}
