/*
 * store_users.c - the mounts using a store (see store_users.h).
 *
 * Owns: the "user:" rows of the meta table.  A process is named by its
 * pid and its start time (field 22 of /proc/<pid>/stat), so a pid used
 * again by another process is not taken for the mount that died.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store_users.h"

/* The start time of pid, in clock ticks since boot; 0 when unknown. */
static unsigned long long started(long pid)
{
	char path[64], line[1024], *p;
	unsigned long long t = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* The name (field 2) may hold spaces: count from its ')'. */
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
	    sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u"
		   " %*d %*d %*d %*d %*d %*d %llu",
		   &t) != 1)
		t = 0;
	fclose(f);
	return t;
}

static void my_name(char *buf, size_t len)
{
	long pid = (long)getpid();

	snprintf(buf, len, "user:%ld:%llu", pid, started(pid));
}

/* Is the process a "user:<pid>:<start>" row names still there? */
static int alive(const char *name)
{
	long pid;
	unsigned long long start;

	if (sscanf(name, "user:%ld:%llu", &pid, &start) != 2 || pid <= 0)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	return started(pid) == start;
}

static int step_all(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK && arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		rc = SQLITE_OK;
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int store_users_join(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	char me[96];
	int dead = 0, rc;

	my_name(me, sizeof(me));
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_prepare_v2(db, "SELECT k FROM meta WHERE k LIKE 'user:%'",
				-1, &s, NULL) == SQLITE_OK ? 0 : -EIO;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);

		if (k && !alive(k)) {
			dead = 1;
			rc = step_all(db, "DELETE FROM meta WHERE k = ?", k);
		}
	}
	sqlite3_finalize(s);
	if (rc == 0 && dead)
		rc = step_all(db, "UPDATE blobs SET fetched = 0", NULL);
	if (rc == 0 && dead)
		rc = step_all(db, "UPDATE listings SET fetched = 0", NULL);
	if (rc == 0)
		rc = step_all(db, "INSERT OR REPLACE INTO meta VALUES (?, '')",
			      me);
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) ==
			       SQLITE_OK) {
		if (dead)
			log_info("store: a mount of this workspace ended "
				 "without closing: what is stored is fetched "
				 "again before it is served as fresh");
		return dead;
	}
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

void store_users_leave(sqlite3 *db)
{
	char me[96];

	my_name(me, sizeof(me));
	if (step_all(db, "DELETE FROM meta WHERE k = ?", me) < 0)
		log_err("store: %s", sqlite3_errmsg(db));
}
