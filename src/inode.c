/*
 * inode.c - inode numbers and paths (see inode.h).
 *
 * Owns: every node, in three chained hash tables that grow by doubling:
 * by number, by (parent, name) for the attached ones, and by the key they
 * depend on for those that depend on one.  A node's name is stored
 * inline, once.  Also the order in which nodes were made (a ring of
 * numbers), from which the oldest are picked to be let go (inode_spill).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "inode.h"

struct inode {
	uint64_t ino;
	uint64_t parent;	/* 0: detached */
	uint64_t nlookup;
	uint64_t version;
	uint64_t dep;		/* cache key hash it was served from */
	struct inode *next_ino;	/* chain of the table by number */
	struct inode *next_name;	/* chain of the table by name */
	struct inode *next_dep;	/* chain of the table by dep */
	struct inode **pprev_dep;	/* what points at it there: all the
					 * files of a folder share a dep, so
					 * its chain is long */
	uint32_t hash;		/* of (parent, name) */
	uint8_t is_dir;
	uint8_t named;		/* in the table by name */
	uint8_t asked;		/* the kernel was asked to let it go */
	char name[];
};

struct table {
	struct inode **slot;
	size_t size;		/* a power of two */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct table by_ino, by_name, by_dep;
static size_t count;
static uint64_t next_ino = INODE_ROOT + 1;
static struct inode *root;

/* The numbers of the nodes made, oldest first (a ring). */
static struct {
	uint64_t *ino;
	size_t head, len, cap;
} made;
static size_t asked;		/* nodes asked to be let go, still held */
static size_t keep_max;		/* inode_bound(); 0: no bound */

static uint32_t name_hash(uint64_t parent, const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (int i = 0; i < 8; i++, parent >>= 8)
		h = (h ^ (uint8_t)parent) * 16777619u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

static size_t ino_slot(const struct table *t, uint64_t ino)
{
	return (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 32) & (t->size - 1);
}

static struct inode *find_ino(uint64_t ino)
{
	struct inode *n = by_ino.size ? by_ino.slot[ino_slot(&by_ino, ino)]
				      : NULL;

	while (n && n->ino != ino)
		n = n->next_ino;
	return n;
}

static struct inode *find_name(uint64_t parent, const char *name,
			       uint32_t h)
{
	struct inode *n = by_name.size ? by_name.slot[h & (by_name.size - 1)]
				       : NULL;

	while (n && !(n->hash == h && n->parent == parent &&
		      !strcmp(n->name, name)))
		n = n->next_name;
	return n;
}

/* Doubles both tables when they are full; keeps them as they are when
 * memory runs out (chains only get longer). */
static size_t dep_slot(size_t size, uint64_t dep)
{
	return (size_t)((dep * 0x9E3779B97F4A7C15ull) >> 40) & (size - 1);
}

static void grow(void)
{
	size_t size = by_ino.size ? by_ino.size * 2 : 1024;
	struct inode **si, **sn, **sd;

	if (count < by_ino.size)
		return;
	si = calloc(size, sizeof(*si));
	sn = calloc(size, sizeof(*sn));
	sd = calloc(size, sizeof(*sd));
	if (!si || !sn || !sd) {
		free(si);
		free(sn);
		free(sd);
		return;
	}
	for (size_t i = 0; i < by_ino.size; i++) {
		for (struct inode *n = by_ino.slot[i], *next; n; n = next) {
			size_t s = (size_t)((n->ino * 0x9E3779B97F4A7C15ull) >>
					    32) & (size - 1);

			next = n->next_ino;
			n->next_ino = si[s];
			si[s] = n;
		}
		for (struct inode *n = by_name.slot[i], *next; n; n = next) {
			next = n->next_name;
			n->next_name = sn[n->hash & (size - 1)];
			sn[n->hash & (size - 1)] = n;
		}
		for (struct inode *n = by_dep.slot[i], *next; n; n = next) {
			struct inode **head = &sd[dep_slot(size, n->dep)];

			next = n->next_dep;
			n->next_dep = *head;
			if (*head)
				(*head)->pprev_dep = &n->next_dep;
			*head = n;
			n->pprev_dep = head;
		}
	}
	free(by_ino.slot);
	free(by_name.slot);
	free(by_dep.slot);
	by_ino = (struct table){ si, size };
	by_name = (struct table){ sn, size };
	by_dep = (struct table){ sd, size };
}

static void unlink_dep(struct inode *n)
{
	if (!n->dep)
		return;
	*n->pprev_dep = n->next_dep;
	if (n->next_dep)
		n->next_dep->pprev_dep = n->pprev_dep;
	n->dep = 0;
	n->next_dep = NULL;
	n->pprev_dep = NULL;
}

static void link_dep(struct inode *n, uint64_t dep)
{
	struct inode **head = &by_dep.slot[dep_slot(by_dep.size, dep)];

	n->dep = dep;
	n->next_dep = *head;
	if (*head)
		(*head)->pprev_dep = &n->next_dep;
	*head = n;
	n->pprev_dep = head;
}

static void link_ino(struct inode *n)
{
	size_t s = ino_slot(&by_ino, n->ino);

	n->next_ino = by_ino.slot[s];
	by_ino.slot[s] = n;
}

static void unlink_ino(struct inode *n)
{
	struct inode **p;

	for (p = &by_ino.slot[ino_slot(&by_ino, n->ino)]; *p;
	     p = &(*p)->next_ino) {
		if (*p == n) {
			*p = n->next_ino;
			break;
		}
	}
}

static void attach(struct inode *n, uint64_t parent, uint32_t h)
{
	size_t s = h & (by_name.size - 1);

	n->parent = parent;
	n->hash = h;
	n->named = 1;
	n->next_name = by_name.slot[s];
	by_name.slot[s] = n;
}

/* The name answers with another node now; this one still stands for the
 * same path (a file with new bytes under its name). */
static void supersede(struct inode *n)
{
	struct inode **p;

	if (!n->named)
		return;
	for (p = &by_name.slot[n->hash & (by_name.size - 1)]; *p;
	     p = &(*p)->next_name) {
		if (*p == n) {
			*p = n->next_name;
			break;
		}
	}
	n->named = 0;
	n->next_name = NULL;
}

/* No path leads to the node any more (rm, mv away). */
static void detach(struct inode *n)
{
	supersede(n);
	n->parent = 0;
}

/* Appends ino to the ring (dropped when memory runs out: that node is
 * then never picked). */
static void remember(uint64_t ino)
{
	if (!keep_max)
		return;
	if (made.len == made.cap) {
		size_t cap = made.cap ? made.cap * 2 : 1024;
		uint64_t *v = malloc(cap * sizeof(*v));

		if (!v)
			return;
		for (size_t i = 0; i < made.len; i++)
			v[i] = made.ino[(made.head + i) % made.cap];
		free(made.ino);
		made.ino = v;
		made.cap = cap;
		made.head = 0;
	}
	made.ino[(made.head + made.len++) % made.cap] = ino;
}

static struct inode *node_new(const char *name, uint64_t version)
{
	size_t len = strlen(name);
	struct inode *n = malloc(sizeof(*n) + len + 1);

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, len + 1);
	n->version = version;
	grow();
	if (!by_ino.size) {
		free(n);
		return NULL;
	}
	n->ino = next_ino++;
	link_ino(n);
	count++;
	remember(n->ino);
	return n;
}

static void node_free(struct inode *n)
{
	if (n->asked)
		asked--;
	detach(n);
	unlink_dep(n);
	unlink_ino(n);
	count--;
	free(n);
}

void inode_init(void)
{
	pthread_mutex_lock(&lock);
	if (!root) {
		next_ino = INODE_ROOT;
		root = node_new("", 0);	/* takes INODE_ROOT */
		if (root)
			root->nlookup = 1;
	}
	pthread_mutex_unlock(&lock);
}

void inode_destroy(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < by_ino.size; i++) {
		for (struct inode *n = by_ino.slot[i], *next; n; n = next) {
			next = n->next_ino;
			free(n);
		}
	}
	free(by_ino.slot);
	free(by_name.slot);
	free(by_dep.slot);
	free(made.ino);
	memset(&by_ino, 0, sizeof(by_ino));
	memset(&by_name, 0, sizeof(by_name));
	memset(&by_dep, 0, sizeof(by_dep));
	memset(&made, 0, sizeof(made));
	count = asked = 0;
	root = NULL;
	pthread_mutex_unlock(&lock);
}

uint64_t inode_lookup(uint64_t parent, const char *name, uint64_t version)
{
	uint32_t h = name_hash(parent, name);
	struct inode *n;
	uint64_t ino = 0;

	pthread_mutex_lock(&lock);
	n = find_name(parent, name, h);
	if (n && version && !n->version) {
		n->version = version;	/* bytes not known before: none kept */
	} else if (n && version && n->version != version) {
		supersede(n);	/* a new version takes the name */
		n = NULL;
	}
	if (!n && find_ino(parent) && (n = node_new(name, version)))
		attach(n, parent, h);
	if (n) {
		n->nlookup++;
		ino = n->ino;
		if (n->asked) {	/* in use again: picked later, if at all */
			n->asked = 0;
			asked--;
			remember(n->ino);
		}
	}
	pthread_mutex_unlock(&lock);
	return ino;
}

void inode_forget(uint64_t ino, uint64_t nlookup)
{
	struct inode *n;

	pthread_mutex_lock(&lock);
	n = find_ino(ino);
	if (n && n != root) {
		n->nlookup = nlookup < n->nlookup ? n->nlookup - nlookup : 0;
		if (!n->nlookup)
			node_free(n);
	}
	pthread_mutex_unlock(&lock);
}

void inode_bound(size_t nodes)
{
	pthread_mutex_lock(&lock);
	keep_max = nodes;
	pthread_mutex_unlock(&lock);
}

int inode_full(void)
{
	int full;

	pthread_mutex_lock(&lock);
	full = keep_max && count - asked >= keep_max;
	pthread_mutex_unlock(&lock);
	return full;
}

int inode_over_bound(void)
{
	int over;

	pthread_mutex_lock(&lock);
	/* A sixteenth more, so that a spill is worth a batch. */
	over = keep_max && count - asked > keep_max + keep_max / 16;
	pthread_mutex_unlock(&lock);
	return over;
}

uint64_t inode_child(uint64_t parent, const char *name)
{
	struct inode *n;
	uint64_t ino;

	pthread_mutex_lock(&lock);
	n = find_name(parent, name, name_hash(parent, name));
	ino = n ? n->ino : 0;
	pthread_mutex_unlock(&lock);
	return ino;
}

uint64_t inode_version(uint64_t ino)
{
	struct inode *n;
	uint64_t v;

	pthread_mutex_lock(&lock);
	n = find_ino(ino);
	v = n ? n->version : 0;
	pthread_mutex_unlock(&lock);
	return v;
}

/* Writes the path of n into buf, built from its end; call locked. */
static int path_locked(struct inode *n, char *buf, size_t len)
{
	size_t pos = len;

	if (len < 2)
		return -ENAMETOOLONG;
	buf[--pos] = '\0';
	while (n != root) {
		size_t l = strlen(n->name);

		if (!n->parent)
			return -ENOENT;
		if (l + 1 > pos)
			return -ENAMETOOLONG;
		pos -= l;
		memcpy(buf + pos, n->name, l);
		buf[--pos] = '/';
		n = find_ino(n->parent);
		if (!n)
			return -ENOENT;
	}
	if (pos == len - 1)
		buf[--pos] = '/';
	memmove(buf, buf + pos, len - pos);
	return 0;
}

int inode_path(uint64_t ino, char *buf, size_t len)
{
	struct inode *n;
	int rc;

	pthread_mutex_lock(&lock);
	n = find_ino(ino);
	rc = n ? path_locked(n, buf, len) : -ENOENT;
	pthread_mutex_unlock(&lock);
	return rc;
}

int inode_child_path(uint64_t parent, const char *name, char *buf,
		     size_t len)
{
	int rc = inode_path(parent, buf, len);
	size_t used;

	if (rc < 0)
		return rc;
	used = strlen(buf);
	if (used == 1)
		used = 0;	/* the root: "/" + name */
	if (used + 1 + strlen(name) + 1 > len)
		return -ENAMETOOLONG;
	buf[used] = '/';
	strcpy(buf + used + 1, name);
	return 0;
}

void inode_detach(uint64_t parent, const char *name)
{
	struct inode *n;

	pthread_mutex_lock(&lock);
	n = find_name(parent, name, name_hash(parent, name));
	if (n)
		detach(n);
	pthread_mutex_unlock(&lock);
}

void inode_move(uint64_t parent, const char *name, uint64_t newparent,
		const char *newname)
{
	uint32_t h = name_hash(newparent, newname);
	struct inode *n, *old, *moved;

	pthread_mutex_lock(&lock);
	n = find_name(parent, name, name_hash(parent, name));
	old = find_name(newparent, newname, h);
	if (old && old != n)
		detach(old);
	if (n) {
		/* The name is stored inline: the node is made again for the
		 * new name, with its number and lookups. */
		uint64_t dep = n->dep;

		detach(n);
		unlink_dep(n);
		unlink_ino(n);
		moved = realloc(n, sizeof(*n) + strlen(newname) + 1);
		if (moved) {
			n = moved;
			strcpy(n->name, newname);
			attach(n, newparent, h);
		}
		link_ino(n);
		if (dep)
			link_dep(n, dep);
	}
	pthread_mutex_unlock(&lock);
}

void inode_depend(uint64_t ino, uint64_t dep, int is_dir)
{
	struct inode *n;

	pthread_mutex_lock(&lock);
	n = find_ino(ino);
	if (n && n != root) {
		n->is_dir = (uint8_t)!!is_dir;
		if (n->dep != dep) {
			unlink_dep(n);
			if (dep)
				link_dep(n, dep);
		}
	}
	pthread_mutex_unlock(&lock);
}

/* Adds a note of n to *v (locked); -ENOMEM when memory runs out. */
static int note(struct inode_note **v, size_t *n, size_t *cap,
		const struct inode *node)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct inode_note *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[*n].name = strdup(node->name);
	if (!(*v)[*n].name)
		return -ENOMEM;
	(*v)[*n].ino = node->ino;
	(*v)[*n].parent = node->parent;
	(*v)[*n].is_dir = node->is_dir;
	(*n)++;
	return 0;
}

struct inode_note *inode_collect(uint64_t dep, int all, size_t *n)
{
	struct inode_note *v = NULL;
	size_t cap = 0;

	*n = 0;
	pthread_mutex_lock(&lock);
	if (all) {
		for (size_t i = 0; i < by_name.size; i++)
			for (struct inode *x = by_name.slot[i]; x;
			     x = x->next_name)
				if (note(&v, n, &cap, x) < 0)
					goto out;
	} else if (dep && by_dep.size) {
		for (struct inode *x = by_dep.slot[dep_slot(by_dep.size, dep)];
		     x; x = x->next_dep)
			if (x->dep == dep && x->named &&
			    note(&v, n, &cap, x) < 0)
				goto out;
	}
out:
	pthread_mutex_unlock(&lock);
	return v;
}

struct inode_note *inode_spill(size_t max, size_t *n)
{
	struct inode_note *v = NULL;
	size_t cap = 0;

	*n = 0;
	pthread_mutex_lock(&lock);
	while (*n < max && made.len && count - asked > keep_max && keep_max) {
		struct inode *x = find_ino(made.ino[made.head]);

		made.head = (made.head + 1) % made.cap;
		made.len--;
		/* Files only: a folder's node holds its children's names. */
		if (!x || x == root || x->is_dir || !x->named || !x->parent ||
		    x->asked || !x->nlookup)
			continue;
		if (note(&v, n, &cap, x) < 0)
			break;
		x->asked = 1;
		asked++;
	}
	pthread_mutex_unlock(&lock);
	return v;
}

void inode_notes_free(struct inode_note *notes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(notes[i].name);
	free(notes);
}

size_t inode_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = count;
	pthread_mutex_unlock(&lock);
	return n;
}
