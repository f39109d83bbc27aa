/*
 * floor.c - the least a FUSE file system can cost, for make bench.
 *
 * Serves FLOOR_FILES files of FLOOR_BYTES bytes each in its root, from
 * memory, with what instantlyfs lets the kernel keep: names and
 * attributes for an hour, pages across opens, no FLUSH on read-only
 * closes, attributes with every listing (readdirplus).  What a warm
 * `grep -r` costs here is the cost of FUSE itself on this machine: the
 * open round trip of each file and its release.
 *
 *   floor MOUNTPOINT      (foreground; fusermount3 -u to stop)
 */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP 3600.0

static long nfiles = 10000;
static size_t nbytes = 800;
static char *body;

static void stat_of(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)nbytes;
	}
}

static void entry_of(fuse_ino_t ino, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->entry_timeout = e->attr_timeout = KEEP;
	stat_of(ino, &e->attr);
}

static void fl_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
}

static void fl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	long i;

	if (parent != FUSE_ROOT_ID || sscanf(name, "f%ld", &i) != 1 || i < 0 ||
	    i >= nfiles) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	entry_of((fuse_ino_t)i + 2, &e);
	fuse_reply_entry(req, &e);
}

static void fl_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	stat_of(ino, &st);
	fuse_reply_attr(req, &st, KEEP);
}

static void fl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fi->keep_cache = 1;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

static void fl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	size_t n;

	(void)ino;
	(void)fi;
	if (off < 0 || (size_t)off >= nbytes) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	n = nbytes - (size_t)off < size ? nbytes - (size_t)off : size;
	fuse_reply_buf(req, body + off, n);
}

static void fl_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void fl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	char *buf = malloc(size), name[32];
	size_t used = 0;

	(void)ino;
	(void)fi;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (long i = off; i < nfiles; i++) {
		struct fuse_entry_param e;
		size_t len;

		snprintf(name, sizeof(name), "f%06ld", i);
		entry_of((fuse_ino_t)i + 2, &e);
		len = fuse_add_direntry_plus(req, buf + used, size - used, name,
					     &e, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static const struct fuse_lowlevel_ops ops = {
	.init = fl_init,
	.lookup = fl_lookup,
	.getattr = fl_getattr,
	.open = fl_open,
	.read = fl_read,
	.opendir = fl_opendir,
	.readdirplus = fl_readdirplus,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *loop;
	struct fuse_session *se;
	int rc = 1;

	if (getenv("FLOOR_FILES"))
		nfiles = atol(getenv("FLOOR_FILES"));
	if (getenv("FLOOR_BYTES"))
		nbytes = (size_t)atol(getenv("FLOOR_BYTES"));
	body = malloc(nbytes);
	if (!body || fuse_parse_cmdline(&args, &opts) != 0 || !opts.mountpoint)
		return 2;
	memset(body, 'x', nbytes);
	body[nbytes - 1] = '\n';
	memcpy(body, "\"company_name\"", nbytes > 14 ? 14 : nbytes);
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	loop = fuse_loop_cfg_create();
	if (se && loop && fuse_session_mount(se, opts.mountpoint) == 0) {
		fuse_set_signal_handlers(se);
		rc = fuse_session_loop_mt(se, loop) ? 1 : 0;
		fuse_remove_signal_handlers(se);
		fuse_session_unmount(se);
	}
	if (loop)
		fuse_loop_cfg_destroy(loop);
	if (se)
		fuse_session_destroy(se);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	free(body);
	return rc;
}
