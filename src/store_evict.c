/*
 * store_evict.c - keeps the store under -o cache_size (see store_evict.h).
 *
 * Owns nothing but the policy: which rows go and when.  Uses the writer's
 * connection only from the writer thread (store.c), so it takes no lock.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "log.h"
#include "store_evict.h"

/* Rows looked at for one transaction of eviction. */
#define EVICT_BATCH 512
/* What a row costs beside its key and data (record header, cell, index). */
#define EVICT_ROW_OVERHEAD 64
/* Rounds of eviction after one batch of writes, at most. */
#define EVICT_ROUNDS 16

static long long pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Bytes of the pages in use. */
static size_t pages_used(sqlite3 *db)
{
	long long pages = pragma_int(db, "PRAGMA page_count");
	long long free_pages = pragma_int(db, "PRAGMA freelist_count");
	long long size = pragma_int(db, "PRAGMA page_size");

	if (pages < free_pages)
		return 0;
	return (size_t)((pages - free_pages) * size);
}

static size_t wal_size(const char *wal_path)
{
	struct stat sb;

	if (!wal_path || stat(wal_path, &sb) < 0)
		return 0;
	return (size_t)sb.st_size;
}

size_t store_evict_size(sqlite3 *db, const char *wal_path)
{
	return pages_used(db) + wal_size(wal_path);
}

/* Deletes the least recently used rows that free about `need` bytes, in
 * one transaction; returns how many went. */
static size_t evict_round(sqlite3 *db, size_t need)
{
	sqlite3_stmt *sel = NULL, *del = NULL;
	long long rows[EVICT_BATCH];
	size_t n = 0, freed = 0, gone = 0;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT rowid, length(data) + length(key) FROM"
			       " blobs ORDER BY used, rowid LIMIT ?",
			       -1, &sel, NULL) == SQLITE_OK) {
		sqlite3_bind_int(sel, 1, EVICT_BATCH);
		while (freed < need && sqlite3_step(sel) == SQLITE_ROW) {
			rows[n++] = sqlite3_column_int64(sel, 0);
			freed += (size_t)sqlite3_column_int64(sel, 1) +
				 EVICT_ROW_OVERHEAD;
		}
	}
	sqlite3_finalize(sel);
	if (n && sqlite3_prepare_v2(db, "DELETE FROM blobs WHERE rowid = ?", -1,
				    &del, NULL) == SQLITE_OK) {
		for (size_t i = 0; i < n; i++) {
			sqlite3_bind_int64(del, 1, rows[i]);
			if (sqlite3_step(del) == SQLITE_DONE)
				gone++;
			sqlite3_reset(del);
		}
	}
	sqlite3_finalize(del);
	/* The freed pages go back to the file system. */
	sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_err("store: eviction: %s", sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	return gone;
}

size_t store_evict(sqlite3 *db, const char *wal_path, size_t cap)
{
	static int warned;
	size_t used, wal, target, gone = 0, n = 1;

	if (!cap)
		return 0;
	used = pages_used(db);
	wal = wal_size(wal_path);
	if (used + wal <= cap)
		return 0;
	/* Room for the log as it will be once truncated to its limit. */
	target = cap / 10 * 9;
	target -= wal < cap / 10 ? wal : cap / 10;
	for (int round = 0; round < EVICT_ROUNDS && used > target && n;
	     round++) {
		n = evict_round(db, used - target);
		gone += n;
		used = pages_used(db);
	}
	/* Past this point the log holds what was evicted: into the file. */
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	if (gone)
		log_debug("store: %zu objects evicted to stay under %zu bytes",
			  gone, cap);
	if (used > target && !n && !warned++)
		log_info("store: the listings alone take %zu bytes, more than "
			 "cache_size allows",
			 used);
	return gone;
}
