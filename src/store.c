/*
 * store.c - the mirror on disk (see store.h).
 *
 * Owns: the database of one workspace, its two connections and the queue
 * of writes.  Schema (STORE_SCHEMA; any other is rebuilt):
 *
 *   meta(k, v)                         schema, workspace
 *   blobs(key, data, mtime, version, fetched, used)
 *   listings(key, gen, fetched, n)     the generation that is whole
 *   entries(listing, gen, idx, name, label, id, aux, marked, size,
 *           mtime, version)
 *
 * `used` is when an object was last stored or read (only kept up to date
 * under a cap: reads are noted in `touched` and written with the next
 * batch, never one write a read).  New databases are made with
 * auto_vacuum=INCREMENTAL, so that eviction (store_evict.c) can give the
 * freed pages back.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "hmap.h"
#include "log.h"
#include "store.h"
#include "store_users.h"
#include "store_evict.h"
#include "storedir.h"
#include "thread.h"

/* Writers wait while this much is queued. */
#define STORE_QUEUE_MAX (8u << 20)

enum op_kind {
	OP_PUT_BLOB,
	OP_STALE_BLOB,
	OP_BEGIN,
	OP_ENTRY,
	OP_COMPLETE,
	OP_REMOVE,
	OP_STALE_LISTING,
	OP_STALE_ALL,
};

struct op {
	struct op *next;
	enum op_kind kind;
	char *key;
	char *data;		/* a blob's bytes; an id to remove */
	size_t len;		/* bytes; an entry's index; a listing's size */
	time_t mtime;
	uint64_t version;
	double when;
	struct entry e;		/* OP_ENTRY: a copy */
	size_t cost;		/* bytes it holds in the queue */
	uint64_t seq;		/* its place in the queue, from 1 */
};

static struct {
	int on;
	sqlite3 *rd, *wr;
	sqlite3_stmt *get_blob;	/* on rd, prepared once */
	pthread_mutex_t rd_lock;
	pthread_t writer;
	struct op *head, *tail;
	size_t queued;		/* bytes */
	uint64_t seq;		/* of the last op queued */
	_Atomic uint64_t written;	/* ops up to this one are on disk */
	int busy;		/* the writer holds a batch */
	int stopping;
	struct hmap *pending;	/* listing key -> generation being made */
	/* Made stale but perhaps not written so yet: reads must not serve
	 * them as fresh meanwhile. */
	struct hmap *stale;	/* key -> (void *)1 */
	double stale_before;	/* everything fetched before: refresh */
	/* Under a cap: objects read since the last batch. */
	struct hmap *touched;	/* key -> malloc'd double, when */
	size_t cap;		/* bytes; 0: none */
	char *wal_path;
	int lock_fd;		/* the folder's lock, held shared */
} st = { .rd_lock = PTHREAD_MUTEX_INITIALIZER, .lock_fd = -1 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;

double store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int store_on(void)
{
	return st.on;
}

char *store_default_root(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *root = NULL;

	if (xdg && *xdg == '/') {
		if (asprintf(&root, "%s/instantlyfs", xdg) < 0)
			root = NULL;
	} else if (home && *home == '/') {
		if (asprintf(&root, "%s/.cache/instantlyfs", home) < 0)
			root = NULL;
	}
	return root;
}

/* mkdir -p with mode for the last component (and the ones it makes). */
static int make_dirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The SQLite result of sql, logged only when it is not SQLITE_BUSY. */
static int exec_quiet(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_err("store: %s: %s", sql, sqlite3_errmsg(db));
	return rc;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_err("store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static const char meta_table[] =
	"CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);";

/* After meta_table, and only in a store of this schema. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL,"
	" mtime INTEGER NOT NULL, version INTEGER NOT NULL,"
	" fetched REAL NOT NULL, used REAL NOT NULL);"
	"CREATE INDEX IF NOT EXISTS blobs_used ON blobs (used);"
	"CREATE TABLE IF NOT EXISTS listings (key TEXT PRIMARY KEY,"
	" gen INTEGER NOT NULL, fetched REAL NOT NULL, n INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS entries (listing TEXT NOT NULL,"
	" gen INTEGER NOT NULL, idx INTEGER NOT NULL, name TEXT, label TEXT,"
	" id TEXT, aux TEXT, marked INTEGER, size INTEGER, mtime INTEGER,"
	" version INTEGER, PRIMARY KEY (listing, gen, idx)) WITHOUT ROWID;";

/* The value of meta key k, malloc'd, or NULL. */
static char *meta_get(sqlite3 *db, const char *k)
{
	sqlite3_stmt *s = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = ?", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
			v = strdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return v;
}

static int meta_set(sqlite3 *db, const char *k, const char *v)
{
	sqlite3_stmt *s = NULL;
	int rc = -EIO;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta VALUES (?, ?)",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, v, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
	}
	sqlite3_finalize(s);
	return rc;
}

static int incremental(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int mode = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA auto_vacuum", -1, &s, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		mode = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return mode == 2;
}

/* Makes the schema, or rebuilds a store of another schema or workspace. */
static int prepare_schema(sqlite3 *db, const char *workspace)
{
	char *have, *ws;
	int ok;

	/* Takes effect only in a database that has no table yet. */
	if (exec(db, "PRAGMA auto_vacuum=INCREMENTAL") < 0 ||
	    exec(db, meta_table) < 0)
		return -EIO;
	have = meta_get(db, "schema");
	ws = meta_get(db, "workspace");
	ok = have && ws && !strcmp(have, STORE_SCHEMA) &&
	     !strcmp(ws, workspace);
	if (have && !ok)
		log_info("store: rebuilding a store of schema %s", have);
	free(have);
	free(ws);
	if (ok)
		return exec(db, schema);
	if (exec(db, "BEGIN IMMEDIATE; DROP TABLE IF EXISTS blobs;"
		     "DROP TABLE IF EXISTS listings;"
		     "DROP TABLE IF EXISTS entries; DELETE FROM meta;") < 0 ||
	    exec(db, schema) < 0 || meta_set(db, "schema", STORE_SCHEMA) < 0 ||
	    meta_set(db, "workspace", workspace) < 0 || exec(db, "COMMIT") < 0) {
		exec(db, "ROLLBACK");
		return -EIO;
	}
	/* A database made before incremental vacuum: made so now, while it
	 * is empty (a new one has it from its first table). */
	if (!incremental(db) &&
	    exec(db, "PRAGMA auto_vacuum=INCREMENTAL; VACUUM") < 0)
		return -EIO;
	return 0;
}

static int open_db(const char *path, sqlite3 **db)
{
	int rc = sqlite3_open_v2(path, db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 NULL);

	if (rc != SQLITE_OK) {
		sqlite3_close(*db);
		*db = NULL;
		return -EIO;
	}
	sqlite3_busy_timeout(*db, 10000);
	return exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
}

static void *writer_main(void *arg);

/* Under a cap, the log is kept small: checkpointed every eighth of the
 * cap and truncated to it. */
static int cap_log(sqlite3 *db, size_t cap)
{
	char sql[160];
	long long pages = (long long)(cap / 8 / 4096);

	if (pages < 16)
		pages = 16;
	if (pages > 1000)
		pages = 1000;
	snprintf(sql, sizeof(sql),
		 "PRAGMA journal_size_limit=%lld; PRAGMA wal_autocheckpoint=%lld;",
		 (long long)(cap / 8), pages);
	return exec(db, sql);
}

int store_open(const char *root, const char *workspace, char **err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, rc;

	*err = NULL;
	if (!storedir_valid_name(workspace))
		return -EINVAL;
	if (snprintf(dir, sizeof(dir), "%s/%s", root, workspace) >=
		    (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/store.db", dir) >=
		    (int)sizeof(path))
		return -ENAMETOOLONG;
	/* The folder again if a clear removed it while we waited. */
	for (int tries = 0; tries < 5; tries++) {
		rc = make_dirs(dir, 0700);
		if (rc == 0 && chmod(dir, 0700) < 0)
			rc = -errno;
		if (rc == 0)
			rc = st.lock_fd = storedir_lock_shared(dir);
		if (rc != -EAGAIN && rc != -ENOENT)
			break;
	}
	if (rc > 0)
		rc = 0;
	/* Made 0600 before SQLite opens it; its -wal and -shm follow. */
	fd = rc == 0 ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (rc == 0 && fd < 0)
		rc = -errno;
	if (fd >= 0) {
		if (fchmod(fd, 0600) < 0)
			rc = -errno;
		close(fd);
	}
	if (rc == 0)
		rc = open_db(path, &st.wr);
	if (rc == 0)
		rc = prepare_schema(st.wr, workspace);
	if (rc == 0 && st.cap)
		rc = cap_log(st.wr, st.cap);
	if (rc == 0 && store_users_join(st.wr) < 0)
		rc = -EIO;
	if (rc == 0 && asprintf(&st.wal_path, "%s-wal", path) < 0) {
		st.wal_path = NULL;
		rc = -ENOMEM;
	}
	if (rc == 0)
		rc = open_db(path, &st.rd);
	if (rc == 0 && (!(st.pending = hmap_new()) || !(st.stale = hmap_new())))
		rc = -ENOMEM;
	if (rc == 0) {
		st.stopping = 0;
		rc = -thread_start(&st.writer, writer_main, NULL);
	}
	if (rc < 0) {
		if (asprintf(err, "cannot open the store %s: %s", path,
			     st.wr ? sqlite3_errmsg(st.wr) : strerror(-rc)) < 0)
			*err = NULL;
		sqlite3_close(st.rd);
		sqlite3_close(st.wr);
		hmap_free(st.pending, NULL);
		hmap_free(st.stale, NULL);
		st.rd = st.wr = NULL;
		st.pending = st.stale = NULL;
		free(st.wal_path);
		st.wal_path = NULL;
		if (st.lock_fd >= 0)
			close(st.lock_fd);
		st.lock_fd = -1;
		return rc;
	}
	st.on = 1;
	return 0;
}

void store_close(void)
{
	if (!st.on)
		return;
	pthread_mutex_lock(&lock);
	st.stopping = 1;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(st.writer, NULL);
	st.on = 0;
	store_users_leave(st.wr);	/* closed cleanly */
	sqlite3_finalize(st.get_blob);
	st.get_blob = NULL;
	sqlite3_close(st.rd);
	sqlite3_close(st.wr);
	st.rd = st.wr = NULL;
	hmap_free(st.pending, free);
	hmap_free(st.stale, NULL);
	hmap_free(st.touched, free);
	st.pending = st.stale = st.touched = NULL;
	free(st.wal_path);
	st.wal_path = NULL;
	/* Last: a clear may remove the store from now on. */
	if (st.lock_fd >= 0)
		close(st.lock_fd);
	st.lock_fd = -1;
}

void store_set_cap(size_t bytes)
{
	st.cap = bytes;
}

void store_flush(void)
{
	if (!st.on)
		return;
	pthread_mutex_lock(&lock);
	while (st.head || st.touched || st.busy)
		pthread_cond_wait(&done, &lock);
	pthread_mutex_unlock(&lock);
}

/* ---- the queue ---- */

static void entry_copy(struct entry *to, const struct entry *from)
{
	*to = *from;
	to->name = from->name ? strdup(from->name) : NULL;
	to->label = from->label ? strdup(from->label) : NULL;
	to->id = from->id ? strdup(from->id) : NULL;
	to->aux = from->aux ? strdup(from->aux) : NULL;
}

static void op_free(struct op *o)
{
	free(o->key);
	free(o->data);
	free(o->e.name);
	free(o->e.label);
	free(o->e.id);
	free(o->e.aux);
	free(o);
}

/* Locked.  Keeps the reads' view of freshness in step with what is
 * queued: a key made stale is stale at once, one written anew is not. */
static void note_freshness(const struct op *o)
{
	switch (o->kind) {
	case OP_STALE_BLOB:
	case OP_STALE_LISTING:
		hmap_put(st.stale, o->key, (void *)1, NULL);
		break;
	case OP_PUT_BLOB:
	case OP_COMPLETE:
		hmap_del(st.stale, o->key);
		break;
	case OP_STALE_ALL:
		st.stale_before = o->when;
		hmap_free(st.stale, NULL);
		st.stale = hmap_new();
		break;
	default:
		break;
	}
}

/* Is what the store holds under key, fetched at `fetched`, still held
 * fresh?  Locks. */
static double seen_fetched(const char *key, double fetched)
{
	pthread_mutex_lock(&lock);
	if (fetched < st.stale_before || (st.stale && hmap_get(st.stale, key)))
		fetched = 0;
	pthread_mutex_unlock(&lock);
	return fetched;
}

/* Locks.  Notes that key was read now, for the writer's next batch. */
static void touch(const char *key)
{
	double *when;
	void *old = NULL;

	if (!st.cap)
		return;
	pthread_mutex_lock(&lock);
	if (st.stopping || (!st.touched && !(st.touched = hmap_new())) ||
	    !(when = malloc(sizeof(*when)))) {
		pthread_mutex_unlock(&lock);
		return;
	}
	*when = store_now();
	if (hmap_put(st.touched, key, when, &old) < 0)
		free(when);
	free(old);
	/* The writer needs waking for the first only. */
	if (hmap_count(st.touched) == 1)
		pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void store_touch(const char *key)
{
	if (st.on)
		touch(key);
}


/* Queues o (taken), waiting while too much is queued: its sequence
 * number, or 0 when it is dropped. */
static uint64_t enqueue(struct op *o)
{
	uint64_t seq;

	pthread_mutex_lock(&lock);
	while (st.queued > STORE_QUEUE_MAX && !st.stopping)
		pthread_cond_wait(&done, &lock);
	if (st.stopping) {
		pthread_mutex_unlock(&lock);
		op_free(o);
		return 0;
	}
	seq = o->seq = ++st.seq;
	note_freshness(o);
	o->next = NULL;
	if (st.tail)
		st.tail->next = o;
	else
		st.head = o;
	st.tail = o;
	st.queued += o->cost;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	return seq;
}

int store_written(uint64_t seq)
{
	return seq && seq <= st.written;
}

static struct op *op_new(enum op_kind kind, const char *key)
{
	struct op *o;

	if (!st.on || !(o = calloc(1, sizeof(*o))))
		return NULL;
	o->kind = kind;
	o->when = store_now();
	if (key && !(o->key = strdup(key))) {
		free(o);
		return NULL;
	}
	o->cost = sizeof(*o) + (key ? strlen(key) : 0);
	return o;
}

uint64_t store_put_blob(const char *key, const char *data, size_t len,
			time_t mtime, uint64_t version)
{
	struct op *o = op_new(OP_PUT_BLOB, key);

	if (!o)
		return 0;
	o->data = malloc(len ? len : 1);
	if (!o->data) {
		op_free(o);
		return 0;
	}
	memcpy(o->data, data, len);
	o->len = len;
	o->mtime = mtime;
	o->version = version;
	o->cost += len;
	return enqueue(o);
}

static void simple(enum op_kind kind, const char *key)
{
	struct op *o = op_new(kind, key);

	if (o)
		enqueue(o);
}

void store_stale_blob(const char *key)
{
	simple(OP_STALE_BLOB, key);
}

void store_listing_begin(const char *key)
{
	simple(OP_BEGIN, key);
}

void store_listing_entry(const char *key, size_t idx, const struct entry *e)
{
	struct op *o = op_new(OP_ENTRY, key);

	if (!o)
		return;
	entry_copy(&o->e, e);
	o->len = idx;
	o->cost += 128;
	enqueue(o);
}

void store_listing_complete(const char *key, size_t n, double fetched)
{
	struct op *o = op_new(OP_COMPLETE, key);

	if (o) {
		o->len = n;
		o->when = fetched;
		enqueue(o);
	}
}

void store_listing_remove(const char *key, const char *id)
{
	struct op *o = op_new(OP_REMOVE, key);

	if (!o)
		return;
	if (!(o->data = strdup(id))) {
		op_free(o);
		return;
	}
	enqueue(o);
}

void store_stale_listing(const char *key)
{
	simple(OP_STALE_LISTING, key);
}

void store_stale_all(void)
{
	simple(OP_STALE_ALL, NULL);
}

/* ---- the writer ---- */

/* Runs sql with its ? bound to the texts and numbers given in order:
 * a text for each 's', an int64 for each 'i', a double for each 'd', a
 * blob (pointer, length) for 'b'. */
static int run(const char *sql, const char *types, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int rc, i = 1;

	if (sqlite3_prepare_v2(st.wr, sql, -1, &s, NULL) != SQLITE_OK) {
		log_err("store: %s", sqlite3_errmsg(st.wr));
		return -EIO;
	}
	va_start(ap, types);
	for (const char *t = types; *t; t++, i++) {
		if (*t == 's') {
			const char *v = va_arg(ap, const char *);

			sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
		} else if (*t == 'i') {
			sqlite3_bind_int64(s, i, va_arg(ap, long long));
		} else if (*t == 'd') {
			sqlite3_bind_double(s, i, va_arg(ap, double));
		} else if (*t == 'b') {
			const void *p = va_arg(ap, const void *);
			int n = va_arg(ap, int);

			sqlite3_bind_blob(s, i, p, n, SQLITE_STATIC);
		}
	}
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_err("store: %s", sqlite3_errmsg(st.wr));
		return -EIO;
	}
	return 0;
}

/* The generation of the stored listing key (0: none), and its size. */
static long long current_gen(const char *key, long long *n)
{
	sqlite3_stmt *s = NULL;
	long long gen = 0;

	*n = 0;
	if (sqlite3_prepare_v2(st.wr,
			       "SELECT gen, n FROM listings WHERE key = ?", -1,
			       &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			gen = sqlite3_column_int64(s, 0);
			*n = sqlite3_column_int64(s, 1);
		}
	}
	sqlite3_finalize(s);
	return gen;
}

/* A generation number never given before in this store. */
static long long next_gen(void)
{
	sqlite3_stmt *s = NULL;
	long long gen = 0;

	run("INSERT INTO meta VALUES ('gen', '1') ON CONFLICT(k) DO UPDATE"
	    " SET v = CAST(v AS INTEGER) + 1",
	    "");
	if (sqlite3_prepare_v2(st.wr, "SELECT v FROM meta WHERE k = 'gen'", -1,
			       &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		gen = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return gen;
}

static void put_entry(const char *key, long long gen, size_t idx,
		      const struct entry *e)
{
	run("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	    "siissssiiii", key, gen, (long long)idx, e->name, e->label, e->id,
	    e->aux, (long long)e->marked, (long long)e->size,
	    (long long)e->mtime, (long long)e->version);
}

static void write_op(const struct op *o)
{
	long long gen, n, *pending;

	switch (o->kind) {
	case OP_PUT_BLOB:
		run("INSERT OR REPLACE INTO blobs VALUES (?,?,?,?,?,?)",
		    "sbiidd", o->key, o->data, (int)o->len,
		    (long long)o->mtime, (long long)o->version, o->when,
		    o->when);
		break;
	case OP_STALE_BLOB:
		run("UPDATE blobs SET fetched = 0 WHERE key = ?", "s", o->key);
		break;
	case OP_BEGIN:
		/* Generations are numbered for the whole store, so that two
		 * mounts loading one listing never share one. */
		gen = next_gen();
		pending = malloc(sizeof(*pending));
		if (pending) {
			void *old = NULL;

			*pending = gen;
			if (hmap_put(st.pending, o->key, pending, &old) < 0)
				free(pending);
			free(old);
		}
		break;
	case OP_ENTRY:
		pending = hmap_get(st.pending, o->key);
		if (pending) {
			put_entry(o->key, *pending, o->len, &o->e);
		} else if ((gen = current_gen(o->key, &n))) {
			/* Learned by the whole listing: appended to it. */
			put_entry(o->key, gen, (size_t)n, &o->e);
			run("UPDATE listings SET n = n + 1 WHERE key = ?", "s",
			    o->key);
		}
		break;
	case OP_COMPLETE:
		pending = hmap_del(st.pending, o->key);
		if (!pending)
			break;
		gen = current_gen(o->key, &n);
		if (*pending > gen) {
			run("INSERT OR REPLACE INTO listings VALUES (?,?,?,?)",
			    "sidi", o->key, *pending, o->when,
			    (long long)o->len);
			gen = *pending;
		}
		/* Older generations go: the one replaced, what a listing
		 * cut short left, and one another mount began before this
		 * one and has not finished (it will not replace this). */
		run("DELETE FROM entries WHERE listing = ? AND gen < ?", "si",
		    o->key, gen);
		if (*pending < gen)
			run("DELETE FROM entries WHERE listing = ? AND gen = ?",
			    "si", o->key, *pending);
		free(pending);
		break;
	case OP_REMOVE:
		gen = current_gen(o->key, &n);
		run("UPDATE entries SET name = NULL, label = NULL, aux = NULL"
		    " WHERE listing = ? AND gen = ? AND id = ?",
		    "sis", o->key, gen, o->data);
		break;
	case OP_STALE_LISTING:
		run("UPDATE listings SET fetched = 0 WHERE key = ?", "s",
		    o->key);
		break;
	case OP_STALE_ALL:
		run("UPDATE blobs SET fetched = 0", "");
		run("UPDATE listings SET fetched = 0", "");
		break;
	}
}

/* The times objects were read at, from a map of key -> double. */
static void write_touched(const struct hmap *touched)
{
	const char *key;
	void *when;
	size_t pos = 0;

	while (touched && hmap_next(touched, &pos, &key, &when))
		run("UPDATE blobs SET used = ? WHERE key = ?", "ds",
		    *(double *)when, key);
}

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct op *batch;
		struct hmap *touched;

		while (!st.head && !st.touched && !st.stopping)
			pthread_cond_wait(&wake, &lock);
		if (!st.head && !st.touched)
			break;
		batch = st.head;
		st.head = st.tail = NULL;
		touched = st.touched;
		st.touched = NULL;
		st.busy = 1;
		pthread_mutex_unlock(&lock);

		/* One transaction a batch: whole or absent after a crash.
		 * Taken for writing at once (IMMEDIATE): another mount's
		 * writer is then waited for (busy_timeout), where a read
		 * turned write would fail at once. */
		while (exec_quiet(st.wr, "BEGIN IMMEDIATE") == SQLITE_BUSY &&
		       !st.stopping)
			;
		for (struct op *o = batch; o; o = o->next)
			write_op(o);
		write_touched(touched);
		if (exec(st.wr, "COMMIT") < 0)
			exec(st.wr, "ROLLBACK");
		hmap_free(touched, free);
		store_evict(st.wr, st.wal_path, st.cap);

		pthread_mutex_lock(&lock);
		while (batch) {
			struct op *next = batch->next;

			if (batch->seq > st.written)
				st.written = batch->seq;
			st.queued -= batch->cost;
			op_free(batch);
			batch = next;
		}
		st.busy = 0;
		pthread_cond_broadcast(&done);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* ---- reads ---- */

int store_get_blob(const char *key, struct blob *out, double *fetched)
{
	sqlite3_stmt *s;
	int rc = -ENOENT;

	if (!st.on)
		return -ENOENT;
	pthread_mutex_lock(&st.rd_lock);
	if (!st.get_blob)
		sqlite3_prepare_v3(st.rd,
				   "SELECT data, mtime, version, fetched FROM"
				   " blobs WHERE key = ?",
				   -1, SQLITE_PREPARE_PERSISTENT, &st.get_blob,
				   NULL);
	s = st.get_blob;
	if (s) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			int n = sqlite3_column_bytes(s, 0);
			const void *p = sqlite3_column_blob(s, 0);

			out->data = malloc((size_t)n + 1);
			if (out->data) {
				if (n)
					memcpy(out->data, p, (size_t)n);
				out->data[n] = '\0';
				out->len = (size_t)n;
				out->mtime = (time_t)sqlite3_column_int64(s, 1);
				out->version =
				    (uint64_t)sqlite3_column_int64(s, 2);
				*fetched = seen_fetched(
				    key, sqlite3_column_double(s, 3));
				touch(key);
				rc = 0;
			} else {
				rc = -ENOMEM;
			}
		}
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	pthread_mutex_unlock(&st.rd_lock);
	return rc;
}

static char *text_of(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? strdup((const char *)t) : NULL;
}

int store_get_listing(const char *key,
		      int (*add)(void *arg, struct entry *e), void *arg,
		      double *fetched)
{
	sqlite3_stmt *s = NULL;
	long long gen = 0;
	int rc = -ENOENT;

	if (!st.on)
		return -ENOENT;
	pthread_mutex_lock(&st.rd_lock);
	if (sqlite3_prepare_v2(st.rd,
			       "SELECT gen, fetched FROM listings WHERE key = ?",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			gen = sqlite3_column_int64(s, 0);
			*fetched = sqlite3_column_double(s, 1);
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (gen)
		*fetched = seen_fetched(key, *fetched);
	if (gen && sqlite3_prepare_v2(st.rd,
				      "SELECT name, label, id, aux, marked,"
				      " size, mtime, version FROM entries"
				      " WHERE listing = ? AND gen = ?"
				      " ORDER BY idx",
				      -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, gen);
		rc = 0;
		while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
			struct entry e = { 0 };

			e.name = text_of(s, 0);
			e.label = text_of(s, 1);
			e.id = text_of(s, 2);
			e.aux = text_of(s, 3);
			e.marked = (unsigned char)sqlite3_column_int(s, 4);
			e.size = (size_t)sqlite3_column_int64(s, 5);
			e.mtime = (time_t)sqlite3_column_int64(s, 6);
			e.version = (uint64_t)sqlite3_column_int64(s, 7);
			rc = add(arg, &e);
		}
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st.rd_lock);
	return rc;
}
