/*
 * cachecmd.c - the "cache" subcommand: info and clear (see cachecmd.h).
 *
 * Owns its argument parsing and output only.  The layout of a store's
 * folder and its lock are storedir.h's; the schema it reads is store.c's
 * (blobs, listings, meta).  It never follows a symbolic link out of the
 * root: each folder is opened O_NOFOLLOW under the root's descriptor and
 * only storedir_files are removed.  Single-threaded, no lock of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "cachecmd.h"
#include "cliopt.h"
#include "store.h"
#include "storedir.h"

static const char cachecmd_usage_text[] =
    "usage: instantlyfs cache info [--cache-dir PATH]\n"
    "       instantlyfs cache clear [--workspace ID] [--cache-dir PATH]\n"
    "\n"
    "info: where the stores are, how big each is, and how old each of its\n"
    "listings (collection folders) is.\n"
    "clear: removes the store of one workspace, or of all; refused while\n"
    "a mount uses it.\n"
    "\n"
    "options:\n"
    "  --cache-dir PATH  the folder of the stores (default\n"
    "                    $XDG_CACHE_HOME/instantlyfs, else\n"
    "                    ~/.cache/instantlyfs; as -o cache_dir)\n"
    "  --workspace ID    clear: only this workspace's store\n"
    "  -h, --help        show this help\n";

static int cachecmd_usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "instantlyfs cache: %s\n", msg);
	fputs(cachecmd_usage_text, stderr);
	return 2;
}

void cachecmd_age(double seconds, char *buf, size_t len)
{
	long long s = seconds > 0 ? (long long)seconds : 0;

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

void cachecmd_size(double bytes, char *buf, size_t len)
{
	static const char *const units[] = {"KB", "MB", "GB", "TB"};
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%.0f B", bytes < 0 ? 0 : bytes);
		return;
	}
	while (bytes >= 1024 && u < 3) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", bytes, units[u]);
}

void cachecmd_listing_name(const char *key, char *buf, size_t len)
{
	size_t o = 0;
	int field = 0; /* 0: method and path, 1: parent field, 2: parent */

	if (!len)
		return;
#define PUT(c)                                                                 \
	do {                                                                   \
		if (o + 1 < len)                                               \
			buf[o++] = (c);                                        \
	} while (0)
	for (const char *p = key; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == 0x1f) {
			field++;
			/* No parent: nothing after the path. */
			if (field == 1 && (p[1] == 0x1f || !p[1]))
				continue;
			if (field == 1)
				PUT(' ');
			else if (field == 2 && p[1] && p[-1] != 0x1f)
				PUT('=');
			continue;
		}
		if (field == 0 && c == '/' && p > key && p[-1] >= 'A' &&
		    p[-1] <= 'Z')
			PUT(' ');
		PUT(c < ' ' || c == 0x7f ? '?' : (char)c);
	}
#undef PUT
	buf[o] = '\0';
}

/* ---- info ---- */

static long long one_int(sqlite3 *db, const char *sql, long long *second)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		v = sqlite3_column_int64(s, 0);
		if (second)
			*second = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return v;
}

static void info_listings(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	double now = store_now();
	char name[512], age[32];

	if (sqlite3_prepare_v2(db,
			       "SELECT key, n, fetched FROM listings"
			       " ORDER BY key",
			       -1, &s, NULL) != SQLITE_OK) {
		printf("  (its listings cannot be read: %s)\n",
		       sqlite3_errmsg(db));
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *key = sqlite3_column_text(s, 0);
		double fetched = sqlite3_column_double(s, 2);

		cachecmd_listing_name(key ? (const char *)key : "", name,
				      sizeof(name));
		if (fetched > 0)
			cachecmd_age(now - fetched, age, sizeof(age));
		else
			snprintf(age, sizeof(age), "stale");
		printf("    %-56s %7lld entries  %s\n", name,
		       (long long)sqlite3_column_int64(s, 1), age);
	}
	sqlite3_finalize(s);
}

/* The size of name under dirfd, 0 if absent. */
static double file_size(int dirfd, const char *name)
{
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(sb.st_mode))
		return 0;
	return (double)sb.st_size;
}

static void info_one(const char *root, int rootfd, const char *ws)
{
	char path[4096], sz[32], db_sz[32], wal_sz[32], blob_sz[32];
	int dirfd =
	    openat(rootfd, ws, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	double db_bytes, wal_bytes;
	long long blobs, blob_bytes = 0, listings;
	struct stat sb;
	sqlite3 *db = NULL;
	char *schema = NULL;
	sqlite3_stmt *s = NULL;

	if (dirfd < 0)
		return;
	if (fstatat(dirfd, STOREDIR_DB, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(sb.st_mode)) {
		close(dirfd);
		return;
	}
	db_bytes = file_size(dirfd, STOREDIR_DB);
	wal_bytes = file_size(dirfd, STOREDIR_DB "-wal");
	cachecmd_size(db_bytes + wal_bytes, sz, sizeof(sz));
	cachecmd_size(db_bytes, db_sz, sizeof(db_sz));
	cachecmd_size(wal_bytes, wal_sz, sizeof(wal_sz));
	printf("\nworkspace %s%s\n", ws,
	       storedir_in_use(dirfd) ? "  (in use by a mount)" : "");
	printf("  size: %s (store.db %s, store.db-wal %s)\n", sz, db_sz,
	       wal_sz);
	close(dirfd);
	snprintf(path, sizeof(path), "%s/%s/" STOREDIR_DB, root, ws);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		printf("  (cannot be read: %s)\n",
		       db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = 'schema'", -1,
			       &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		schema = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (!schema || strcmp(schema, STORE_SCHEMA))
		printf("  schema %s, not this version's %s: the next mount "
		       "rebuilds it\n",
		       schema ? schema : "unknown", STORE_SCHEMA);
	free(schema);
	blobs = one_int(db,
			"SELECT count(*), coalesce(sum(length(data)), 0)"
			" FROM blobs",
			&blob_bytes);
	listings = one_int(db, "SELECT count(*) FROM listings", NULL);
	cachecmd_size((double)blob_bytes, blob_sz, sizeof(blob_sz));
	if (blobs < 0 || listings < 0)
		printf("  (cannot be read: %s)\n", sqlite3_errmsg(db));
	else
		printf("  objects: %lld (%s)\n  listings: %lld\n", blobs,
		       blob_sz, listings);
	if (listings > 0)
		info_listings(db);
	sqlite3_close(db);
}

/* The names of the folders under rootfd, sorted; *n of them. */
static char **folders(int rootfd, size_t *n)
{
	int fd = dup(rootfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	struct dirent *de;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((de = readdir(d))) {
		struct stat sb;
		char **more;

		if (!storedir_valid_name(de->d_name) ||
		    fstatat(rootfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			more = realloc(names, cap * sizeof(*names));
			if (!more)
				break;
			names = more;
		}
		if ((names[*n] = strdup(de->d_name)))
			(*n)++;
	}
	closedir(d);
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0;
		     j--) {
			char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	return names;
}

static void folders_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The root's descriptor; -1 with errno.  Never makes it. */
static int open_root(const char *root)
{
	return open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int cache_info(const char *root)
{
	int rootfd = open_root(root);
	char **names;
	size_t n;

	printf("store root: %s\n", root);
	if (rootfd < 0) {
		if (errno == ENOENT) {
			printf("no store: the folder does not exist\n");
			return 0;
		}
		fprintf(stderr, "instantlyfs cache: %s: %s\n", root,
			strerror(errno));
		return 1;
	}
	names = folders(rootfd, &n);
	if (!n)
		printf("no store in it\n");
	for (size_t i = 0; i < n; i++)
		info_one(root, rootfd, names[i]);
	folders_free(names, n);
	close(rootfd);
	return 0;
}

/* ---- clear ---- */

/* Is ws under rootfd a store's folder (holds a store or its lock)? */
static int is_store(int rootfd, const char *ws)
{
	int dirfd =
	    openat(rootfd, ws, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	int yes;

	if (dirfd < 0)
		return 0;
	yes = fstatat(dirfd, STOREDIR_DB, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
	      fstatat(dirfd, STOREDIR_LOCK, &sb, AT_SYMLINK_NOFOLLOW) == 0;
	close(dirfd);
	return yes;
}

/* Removes the store of ws: 0, or 1 with the reason on stderr. */
static int clear_one(int rootfd, const char *ws)
{
	int dirfd, lockfd, rc = 0;

	dirfd =
	    openat(rootfd, ws, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr,
			"instantlyfs cache: no store of workspace %s%s\n", ws,
			errno == ENOENT ? "" : " (not a folder)");
		return 1;
	}
	lockfd = storedir_lock_exclusive(dirfd);
	if (lockfd < 0) {
		if (lockfd == -EWOULDBLOCK)
			fprintf(stderr,
				"instantlyfs cache: the store of workspace %s "
				"is in use by a mount; unmount it first\n",
				ws);
		else
			fprintf(stderr,
				"instantlyfs cache: cannot lock the store of "
				"workspace %s: %s\n",
				ws, strerror(-lockfd));
		close(dirfd);
		return 1;
	}
	for (size_t i = 0; storedir_files[i]; i++)
		if (unlinkat(dirfd, storedir_files[i], 0) < 0 &&
		    errno != ENOENT) {
			fprintf(stderr, "instantlyfs cache: %s/%s: %s\n", ws,
				storedir_files[i], strerror(errno));
			rc = 1;
		}
	/* The lock last, while still held: a mount waiting for it finds it
	 * gone and makes the folder anew. */
	if (rc == 0)
		unlinkat(dirfd, STOREDIR_LOCK, 0);
	close(lockfd);
	close(dirfd);
	if (rc == 0 && unlinkat(rootfd, ws, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		printf("removed the store of workspace %s (its folder keeps "
		       "other files)\n",
		       ws);
	else if (rc == 0)
		printf("removed the store of workspace %s\n", ws);
	return rc;
}

static int cache_clear(const char *root, const char *ws)
{
	int rootfd = open_root(root), rc = 0;
	char **names;
	size_t n;

	if (rootfd < 0) {
		if (errno == ENOENT && !ws) {
			printf("no store: %s does not exist\n", root);
			return 0;
		}
		if (errno == ENOENT) {
			fprintf(stderr,
				"instantlyfs cache: no store of "
				"workspace %s\n",
				ws);
			return 1;
		}
		fprintf(stderr, "instantlyfs cache: %s: %s\n", root,
			strerror(errno));
		return 1;
	}
	if (ws) {
		rc = clear_one(rootfd, ws);
		close(rootfd);
		return rc;
	}
	names = folders(rootfd, &n);
	for (size_t i = 0; i < n; i++)
		if (is_store(rootfd, names[i]) && clear_one(rootfd, names[i]))
			rc = 1;
	folders_free(names, n);
	/* Which workspace each API address was: nothing left to open. */
	if (rc == 0)
		unlinkat(rootfd, "workspaces", 0);
	close(rootfd);
	return rc;
}

int cachecmd_main(int argc, char **argv)
{
	const char *dir = NULL, *ws = NULL, *cmd = NULL;
	char *root;
	int bad = 0, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(cachecmd_usage_text, stdout);
			return 0;
		}
		if (cliopt(argc, argv, &i, "--cache-dir", &dir, &bad) ||
		    cliopt(argc, argv, &i, "--workspace", &ws, &bad)) {
			if (bad)
				return cachecmd_usage("missing value");
			continue;
		}
		if (a[0] == '-')
			return cachecmd_usage("unknown option");
		if (cmd)
			return cachecmd_usage("too many arguments");
		cmd = a;
	}
	if (!cmd)
		return cachecmd_usage(NULL);
	if (strcmp(cmd, "info") && strcmp(cmd, "clear"))
		return cachecmd_usage("unknown command");
	if (ws && strcmp(cmd, "clear"))
		return cachecmd_usage("--workspace is for clear");
	if (ws && !storedir_valid_name(ws))
		return cachecmd_usage("not a workspace id");
	if (dir && dir[0] != '/')
		return cachecmd_usage("--cache-dir must be an absolute path");
	root = dir ? strdup(dir) : store_default_root();
	if (!root) {
		fprintf(stderr, "instantlyfs cache: no cache folder (HOME is "
				"not set): give --cache-dir\n");
		return 1;
	}
	rc = !strcmp(cmd, "info") ? cache_info(root) : cache_clear(root, ws);
	free(root);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "instantlyfs cache: stdout: %s\n",
			strerror(errno));
		return 1;
	}
	return rc;
}
