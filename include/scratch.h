/*
 * scratch.h - local files: what editors and sed -i write beside the file
 * they edit, and files being created until their close sends them.
 *
 * A scratch file lives in memory only, is never sent, and is gone at
 * unmount.  It behaves like a real file: every handle sees the same
 * bytes.  A "pending" scratch file has a resource name (a new lead's
 * <email>.json); its first close creates the resource.
 * Thread-safe: one mutex guards the store and every file's bytes.
 */
#ifndef INSTANTLYFS_SCRATCH_H
#define INSTANTLYFS_SCRATCH_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SCRATCH_MAX_FILE (64u << 20)

struct scratch;

/* A new empty file at path; -EEXIST if there is one. */
int scratch_create(const char *path, mode_t mode, int pending);
/* A new file at path holding a copy of data (replacing any). */
int scratch_put_data(const char *path, const char *data, size_t len,
		     mode_t mode);
/* The file at path, referenced (release with scratch_put), or NULL. */
struct scratch *scratch_get(const char *path);
void scratch_put(struct scratch *s);
int scratch_exists(const char *path);

void scratch_stat(struct scratch *s, struct stat *st);
int scratch_is_pending(struct scratch *s);
void scratch_clear_pending(struct scratch *s);
int scratch_read(struct scratch *s, char *out, size_t size, off_t off);
int scratch_write(struct scratch *s, const char *data, size_t size, off_t off);
int scratch_truncate(struct scratch *s, off_t size);
int scratch_chmod(struct scratch *s, mode_t mode);
void scratch_touch(struct scratch *s, time_t mtime);
/* A copy of the bytes, malloc'd (NUL-terminated). */
char *scratch_copy(struct scratch *s, size_t *len);

int scratch_unlink(const char *path);
/* Moves a scratch file; a scratch file at `to` is replaced. */
int scratch_rename(const char *from, const char *to);
/* Calls fn with the name of every scratch file directly in dir. */
void scratch_list(const char *dir, void (*fn)(void *, const char *),
		  void *arg);
/* Frees every file (at unmount). */
void scratch_destroy(void);

#endif
