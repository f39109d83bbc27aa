/*
 * inval.h - tells the kernel what changed, from a thread of its own.
 *
 * The kernel keeps names, attributes, pages and folder listings for as
 * long as the cache says they stay true (fs_ll.c).  When the cache learns
 * earlier that something changed (a write's answer, an object fetched
 * again with other bytes, a delete, a refresh), it reports the key
 * (cache_watch); this module queues the report and its thread tells the
 * kernel about every node served from that key (inode_collect):
 *
 *   - a file: its name is invalidated, so the next lookup gets a node of
 *     the new bytes (the old node keeps its pages for who has it open);
 *   - a folder: its inode is invalidated (attributes and the listing the
 *     kernel keeps), or, when its key was dropped, its name;
 *   - a refresh: every name the kernel holds.
 *
 * The thread never runs inside a request handler and holds no lock a
 * handler may need while it talks to the kernel, so a notification that
 * waits for a folder's lock cannot deadlock.  inval_flush() waits until
 * what was reported so far has been told.
 * Locking: `lock` guards the queue.
 */
#ifndef INSTANTLYFS_INVAL_H
#define INSTANTLYFS_INVAL_H

#include <stdint.h>

#include "cache.h"

struct fuse_session;

/* Starts the thread (se NULL: reports are taken and dropped). */
int inval_start(struct fuse_session *se);
/* Tells what is queued, then stops the thread. */
void inval_stop(void);
/* The cache_watch_fn: queues a report. */
void inval_report(enum cache_change what, uint64_t keyhash);
/* Waits until every report queued so far has been told to the kernel. */
void inval_flush(void);
/* Too many nodes are held: the thread asks the kernel to let go of the
 * oldest files (inode_spill). */
void inval_nudge(void);

#endif
