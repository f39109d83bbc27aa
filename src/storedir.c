/*
 * storedir.c - the files of a store's folder and its lock (see storedir.h).
 *
 * Owns no state; the caller owns the descriptors it returns (closing one
 * releases its lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storedir.h"

const char *const storedir_files[] = {
    STOREDIR_DB, STOREDIR_DB "-wal", STOREDIR_DB "-shm", STOREDIR_DB "-journal",
    NULL,
};

int storedir_valid_name(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") &&
	       strcmp(s, "..") && strlen(s) <= NAME_MAX;
}

int storedir_lock_shared(const char *dir)
{
	char path[PATH_MAX];
	struct stat held, named;
	int fd;

	if (snprintf(path, sizeof(path), "%s/" STOREDIR_LOCK, dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_SH) < 0) {
		if (errno != EINTR) {
			int rc = -errno;

			close(fd);
			return rc;
		}
	}
	/* A clear that held the lock before us has removed this file. */
	if (fstat(fd, &held) < 0 || lstat(path, &named) < 0 ||
	    held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
		close(fd);
		return -EAGAIN;
	}
	return fd;
}

int storedir_lock_exclusive(int dirfd)
{
	int fd = openat(dirfd, STOREDIR_LOCK,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;

		close(fd);
		return rc;
	}
	return fd;
}

int storedir_in_use(int dirfd)
{
	int fd =
	    openat(dirfd, STOREDIR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int used;

	if (fd < 0)
		return 0;
	used = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return used;
}
