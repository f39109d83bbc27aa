/*
 * inode.h - the kernel's inode numbers and the paths they stand for.
 *
 * The kernel names files by inode number, the route table by path.  Each
 * inode the kernel holds (handed out by a lookup, a create, a mkdir, a
 * symlink or a readdirplus, and not yet forgotten) is a node: its parent,
 * its name, and how many lookups the kernel holds on it.  A node whose
 * name is removed, moved away or taken by a new version of the file is
 * detached: it keeps its number until the kernel forgets it, but no path
 * leads to it any more, and it no longer answers for the name.
 *
 * A file's node also carries the version of the bytes it was looked up
 * with.  When the bytes under a name change, the name gets a new node
 * (inode_lookup() with another version), so the kernel's pages of the old
 * one, and a process that has it open, keep the old bytes whole.  The old
 * node is superseded, not detached: it still stands for its path (a
 * futimens on it still reaches the file), it only no longer answers for
 * the name.  A node looked up before its bytes were known (version 0: a
 * file being created) takes the first version it is seen with.
 *
 * Each node also records which cache key it was served from, so that a
 * change of that key can be told to the kernel (inval.c).
 *
 * Inode numbers are never reused; INODE_ROOT is the mount's root, which
 * is never forgotten.  A node costs about 90 bytes and its name.
 * Locking: one mutex; callers get numbers and copies, never nodes.
 */
#ifndef INSTANTLYFS_INODE_H
#define INSTANTLYFS_INODE_H

#include <stddef.h>
#include <stdint.h>

#define INODE_ROOT 1

void inode_init(void);
void inode_destroy(void);

/*
 * The node called name in parent, with one more lookup held by the kernel:
 * the attached one when its version is `version` (folders and links pass
 * 0 and keep theirs), else a new node that takes the name.  0 when
 * memory runs out.
 */
uint64_t inode_lookup(uint64_t parent, const char *name, uint64_t version);
/* The kernel forgets n lookups of ino. */
void inode_forget(uint64_t ino, uint64_t n);
/* The node attached as name in parent, or 0; no lookup is taken. */
uint64_t inode_child(uint64_t parent, const char *name);
/* The version ino was looked up with; 0 when unknown. */
uint64_t inode_version(uint64_t ino);

/*
 * The path of ino ("/" for the root) into buf: 0, -ENOENT when the node
 * is unknown or detached (or an ancestor is), -ENAMETOOLONG.  A
 * superseded node has its path.
 */
int inode_path(uint64_t ino, char *buf, size_t len);
/* parent's path and "/name" into buf, likewise. */
int inode_child_path(uint64_t parent, const char *name, char *buf,
		     size_t len);

/* Detaches the node called name in parent (rm, rmdir). */
void inode_detach(uint64_t parent, const char *name);
/* Moves the node called name in parent to newname in newparent (mv);
 * a node attached there before is detached. */
void inode_move(uint64_t parent, const char *name, uint64_t newparent,
		const char *newname);

/*
 * Records what the kernel was told about ino depends on: the hash of the
 * cache key it was served from (cache_op_dep), 0 for nothing; and whether
 * it is a folder.
 */
void inode_depend(uint64_t ino, uint64_t dep, int is_dir);

/* A node to tell the kernel about, copied out of the table. */
struct inode_note {
	uint64_t ino;
	uint64_t parent;
	int is_dir;
	char *name;
};
/*
 * The attached nodes served from dep, or every attached node but the
 * root when all: a malloc'd array of *n notes (NULL when none), to free
 * with inode_notes_free().
 */
struct inode_note *inode_collect(uint64_t dep, int all, size_t *n);
void inode_notes_free(struct inode_note *notes, size_t n);

/*
 * A bound on the nodes held (0: none).  Past it, inode_spill() picks up to
 * max of the oldest files the kernel holds, to be told to let go of
 * (inval.c asks it to forget their names; its FORGETs then free them).
 * A file picked and looked up again is kept and picked later.
 */
void inode_bound(size_t nodes);
/* Are as many held as the bound (readdirplus then makes no more)? */
int inode_full(void);
/* Are more held than the bound, by enough to spill? */
int inode_over_bound(void);
struct inode_note *inode_spill(size_t max, size_t *n);
/* Nodes the kernel holds (the root included). */
size_t inode_count(void);

#endif
