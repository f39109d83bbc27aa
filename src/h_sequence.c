/*
 * h_sequence.c - the email copy as text: sequence/<step>/ folders with a
 * `delay` file and one <letter>.txt a variant (seqtext.h), under a
 * campaign or a subsequence.
 *
 * The row's arg is the struct coll_view of the object that holds the
 * sequence (its name capture; the step is the capture after it, the
 * variant the one after that).  Every change is one PATCH of the
 * object's whole `sequences` array with only that change; a text that
 * shows what the server holds sends nothing.  What is shown is made
 * once per version of the object (coll_derived).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "seqtext.h"
#include "tomb.h"
#include "tree.h"

static const struct coll_view *view(struct rctx *c)
{
	return c->route->arg;
}

/* The capture `k` places after the owner's name, or NULL. */
static const char *cap_after(struct rctx *c, int k)
{
	int i = view(c)->name_cap + k;

	return i < c->ncap ? c->cap[i] : NULL;
}

/* The owner's entry and object. */
static int owner(struct rctx *c, struct item *it, cJSON **obj)
{
	int rc = h_coll_lookup(c, it);

	if (rc < 0)
		return rc;
	rc = coll_object_json(view(c)->coll, it->id, obj);
	if (rc < 0)
		item_free(it);
	return rc;
}

/* Where a file is: its step and (for a variant) its index. */
struct place {
	long step;
	long idx;
};

static int place_of(struct rctx *c, struct place *p)
{
	const char *var = cap_after(c, 2);

	p->step = seqtext_step_number(cap_after(c, 1));
	p->idx = var ? seqtext_variant_index(var) : -1;
	return p->step < 1 || (var && p->idx < 0) ? -ENOENT : 0;
}

/* The place c names, and its owner's entry and object (free both with
 * let_go). */
static int at_place(struct rctx *c, struct place *p, struct item *it,
		    cJSON **obj)
{
	int rc = place_of(c, p);

	return rc < 0 ? rc : owner(c, it, obj);
}

static void let_go(struct item *it, cJSON *obj)
{
	cJSON_Delete(obj);
	item_free(it);
}

int h_seq_steps_list(struct rctx *c, struct dirfill *d)
{
	struct item it;
	cJSON *obj;
	int rc = owner(c, &it, &obj);
	long n;

	if (rc < 0)
		return rc;
	n = cJSON_GetArraySize(seqtext_steps(obj));
	for (long i = 1; i <= n && rc == 0; i++) {
		char name[24];

		snprintf(name, sizeof(name), "%ld", i);
		rc = dirfill_add(d, name);
	}
	let_go(&it, obj);
	return rc;
}

int h_seq_step_stat(struct rctx *c, struct node *n)
{
	struct item it;
	struct place p;
	cJSON *obj;
	int rc = at_place(c, &p, &it, &obj);

	if (rc < 0)
		return rc;
	if (!seqtext_step(obj, p.step))
		rc = -ENOENT;
	else if (it.mtime)
		n->mtime = it.mtime;
	let_go(&it, obj);
	return rc;
}

int h_seq_variants_list(struct rctx *c, struct dirfill *d)
{
	struct item it;
	struct place p;
	cJSON *obj;
	int rc = at_place(c, &p, &it, &obj);
	int n;

	if (rc < 0)
		return rc;
	n = cJSON_GetArraySize(seqtext_variants(seqtext_step(obj, p.step)));
	for (int i = 0; i < n && rc == 0; i++) {
		char name[16];

		rc = dirfill_add(d, seqtext_variant_name((size_t)i, name,
							 sizeof(name)));
	}
	let_go(&it, obj);
	return rc;
}

/* A rendered text (taken) as the file's bytes. */
static int text_blob(char *text, size_t len, const cJSON *obj,
		     struct blob *out)
{
	if (!text)
		return -ENOMEM;
	out->data = text;
	out->len = len;
	out->mtime = coll_mtime(obj);
	return 0;
}

/* coll_derive_fn: the text of the variant at *arg. */
static int derive_variant(const cJSON *obj, const void *arg, struct blob *out)
{
	const struct place *p = arg;
	const cJSON *v = cJSON_GetArrayItem(
		seqtext_variants(seqtext_step(obj, p->step)), (int)p->idx);
	size_t len = 0;
	char *text;

	if (!cJSON_IsObject(v))
		return -ENOENT;
	text = seqtext_render_variant(v, &len);
	return text_blob(text, len, obj, out);
}

/* coll_derive_fn: the delay of the step at *arg. */
static int derive_delay(const cJSON *obj, const void *arg, struct blob *out)
{
	const struct place *p = arg;
	const cJSON *step = seqtext_step(obj, p->step);
	size_t len = 0;
	char *text;

	if (!step)
		return -ENOENT;
	text = seqtext_render_delay(step, &len);
	return text_blob(text, len, obj, out);
}

/* What the file at c shows, made from the object as the cache holds it. */
static int shown(struct rctx *c, coll_derive_fn derive, struct blob *out)
{
	struct item it;
	struct place p;
	char what[64];
	int rc = place_of(c, &p);

	if (rc == 0)
		rc = h_coll_lookup(c, &it);
	if (rc < 0)
		return rc;
	snprintf(what, sizeof(what), "sequence %ld/%ld", p.step, p.idx);
	rc = coll_derived(view(c)->coll, it.id, what, derive, &p, out);
	item_free(&it);
	return rc;
}

int h_seq_variant_read(struct rctx *c, struct blob *out)
{
	return shown(c, derive_variant, out);
}

int h_seq_delay_read(struct rctx *c, struct blob *out)
{
	return shown(c, derive_delay, out);
}

/* Sends seqs (taken) as the owner's new sequences; NULL seqs is a
 * refusal with why (taken). */
static int send(struct rctx *c, const struct item *it, cJSON *seqs,
		char *why)
{
	char pbuf[512];
	const char *parent = NULL;
	cJSON *body, *obj = NULL;
	int rc;

	if (!seqs) {
		rc = h_refuse("PATCH", c, why ? why : "out of memory");
		free(why);
		return rc;
	}
	body = cJSON_CreateObject();
	if (!body) {
		cJSON_Delete(seqs);
		return -ENOMEM;
	}
	cJSON_AddItemToObject(body, "sequences", seqs);
	rc = coll_send(view(c)->coll, "PATCH", it->id, body, &obj);
	cJSON_Delete(body);
	if (rc < 0)
		return rc;
	if (view(c)->parent_cap >= 0)
		parent = h_cap_id(c, view(c)->parent_cap, pbuf, sizeof(pbuf));
	coll_learn(view(c)->coll, parent, obj);
	cJSON_Delete(obj);
	return 0;
}

/* The edit a file operation makes, from the owner's object as held. */
typedef cJSON *(*edit_fn)(struct rctx *c, const cJSON *obj,
			  const struct place *p, const void *arg, char **why);

static int change(struct rctx *c, edit_fn edit, const void *arg)
{
	struct item it;
	struct place p;
	cJSON *obj, *seqs;
	char *why = NULL;
	int rc = at_place(c, &p, &it, &obj);

	if (rc < 0)
		return rc;
	seqs = edit(c, obj, &p, arg, &why);
	/* Neither: the text shows what the server holds. */
	rc = seqs || why ? send(c, &it, seqs, why) : 0;
	let_go(&it, obj);
	return rc;
}

/* The text written to a file. */
struct text {
	const char *data;
	size_t len;
};

/* Does the file show this text already? */
static int unchanged(const cJSON *obj, const struct place *p,
		     coll_derive_fn derive, const struct text *t)
{
	struct blob b = { 0 };
	int same = derive(obj, p, &b) == 0 && b.len == t->len &&
		   !memcmp(b.data, t->data, t->len);

	blob_free(&b);
	return same;
}

static cJSON *edit_variant(struct rctx *c, const cJSON *obj,
			   const struct place *p, const void *arg, char **why)
{
	const struct text *t = arg;
	const cJSON *vs = seqtext_variants(seqtext_step(obj, p->step));
	const cJSON *old = cJSON_GetArrayItem(vs, (int)p->idx);
	cJSON *v, *seqs;

	(void)c;
	if (old && unchanged(obj, p, derive_variant, t))
		return NULL;	/* nothing to send */
	v = seqtext_parse_variant(t->data, t->len, old, why);
	if (!v)
		return NULL;
	seqs = seqtext_set_variant(obj, p->step, (size_t)p->idx, v, why);
	cJSON_Delete(v);
	return seqs;
}

int h_seq_variant_commit(struct rctx *c, const char *data, size_t len)
{
	struct text t = { data, len };

	return change(c, edit_variant, &t);
}

/* A check at write: the reason of a refusal goes to the error log. */
static int check(struct rctx *c, int (*fn)(const char *, size_t, char **),
		 const char *data, size_t len)
{
	char *why = NULL;
	int rc = 0;

	if (fn(data, len, &why) < 0)
		rc = h_refuse("PATCH", c, why ? why : "out of memory");
	free(why);
	return rc;
}

int h_seq_variant_check(struct rctx *c, const char *data, size_t len)
{
	return check(c, seqtext_check_variant, data, len);
}

int h_seq_delay_check(struct rctx *c, const char *data, size_t len)
{
	return check(c, seqtext_check_delay, data, len);
}

/* A new variant file: any variant name not yet used (one past the last
 * is refused at its commit, with the name it should have). */
int h_seq_variant_create(struct rctx *c)
{
	struct place p;

	return place_of(c, &p) < 0 || p.idx < 0 ? -ENOENT : 0;
}

/* The path of c's first nseg components ("/a/b" of "/a/b/c" for 2). */
static int path_of(struct rctx *c, int nseg, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < nseg; i++) {
		int n = snprintf(buf + at, len - at, "/%s", c->seg[i]);

		if (n < 0 || (size_t)n >= len - at)
			return -ENAMETOOLONG;
		at += (size_t)n;
	}
	return 0;
}

static void add_pending(void *arg, const char *name)
{
	dirfill_add(arg, name);
}

/*
 * Takes back every delete still pending in dir (tomb.h): their names,
 * each read by place() into places[] after the n there already; the
 * count is returned in *n (places holds room for all).
 */
static int take_pending(const char *dir, long (*place)(const char *),
			size_t **places, size_t *n)
{
	struct dirfill d = { 0 };
	char path[4096];
	size_t *more;

	tomb_list(dir, add_pending, &d);
	more = realloc(*places, (*n + d.n + 1) * sizeof(**places));
	if (!more) {
		dirfill_free(&d);
		return -ENOMEM;
	}
	*places = more;
	for (size_t i = 0; i < d.n; i++) {
		long at = place(d.names[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, d.names[i]);
		if (at >= 0 && tomb_cancel(path))
			(*places)[(*n)++] = (size_t)at;
	}
	dirfill_free(&d);
	return 0;
}

/* The places removed by one rm: the file's own, and those rm'd with it. */
struct gone {
	size_t *places;
	size_t n;
};

static cJSON *edit_unlink(struct rctx *c, const cJSON *obj,
			  const struct place *p, const void *arg, char **why)
{
	const struct gone *g = arg;

	(void)c;
	return seqtext_remove_variants(obj, p->step, g->places, g->n, why);
}

/*
 * Sends the removal of the place own of c's folder together with those
 * of its siblings removed meanwhile (their names read by place()), as
 * one edit.
 */
static int remove_pending(struct rctx *c, size_t own,
			  long (*place)(const char *), edit_fn edit)
{
	char dir[4096];
	struct gone g = { malloc(sizeof(size_t)), 0 };
	int rc = g.places ? path_of(c, c->nseg - 1, dir, sizeof(dir))
			  : -ENOMEM;

	if (rc == 0) {
		g.places[g.n++] = own;
		rc = take_pending(dir, place, &g.places, &g.n);
	}
	if (rc == 0)
		rc = change(c, edit, &g);
	free(g.places);
	return rc;
}

/*
 * The delete of a variant, a moment after its rm (R_DEFER): the other
 * variants of the step removed meanwhile go with it, in one PATCH, so
 * that each name still stands for the place it had when it was removed
 * (the names after a removed variant move up).  rm a.txt b.txt, and the
 * rm -r of a step, are thus one change.
 */
int h_seq_variant_unlink(struct rctx *c)
{
	struct place p;
	int rc = place_of(c, &p);

	return rc < 0 ? rc
		      : remove_pending(c, (size_t)p.idx, seqtext_variant_index,
				       edit_unlink);
}

/* rm of `delay` changes nothing (a step always waits), so that rm -r of a
 * step reaches its rmdir. */
int h_seq_delay_unlink(struct rctx *c)
{
	struct place p;

	return place_of(c, &p);
}

static cJSON *edit_delay(struct rctx *c, const cJSON *obj,
			 const struct place *p, const void *arg, char **why)
{
	const struct text *t = arg;
	const char *unit = NULL;
	double delay;

	(void)c;
	if (unchanged(obj, p, derive_delay, t))
		return NULL;
	if (seqtext_parse_delay(t->data, t->len, &delay, &unit, why) < 0)
		return NULL;
	return seqtext_set_delay(obj, p->step, delay, unit, why);
}

int h_seq_delay_commit(struct rctx *c, const char *data, size_t len)
{
	struct text t = { data, len };

	return change(c, edit_delay, &t);
}

/* rmdir of a step: hidden at once, removed a moment later (as rm of a
 * variant is), with the variants removed from it meanwhile. */
int h_seq_step_rmdir(struct rctx *c)
{
	char dir[4096];
	size_t *none = NULL, n = 0;
	struct place p;
	int rc = place_of(c, &p);

	if (rc == 0)
		rc = path_of(c, c->nseg, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	/* Its variants go with it. */
	rc = take_pending(dir, seqtext_variant_index, &none, &n);
	free(none);
	if (rc == 0)
		rc = tomb_add(dir);
	return rc;
}

static cJSON *edit_steps(struct rctx *c, const cJSON *obj,
			 const struct place *p, const void *arg, char **why)
{
	const struct gone *g = arg;

	(void)c;
	(void)p;
	return seqtext_remove_steps(obj, g->places, g->n, why);
}

/* The removal of a step, sent a moment after its rmdir: with it go the
 * other steps removed meanwhile (rm -r of every step), in one PATCH. */
int h_seq_step_delete(struct rctx *c)
{
	struct place p;
	int rc = place_of(c, &p);

	return rc < 0 ? rc
		      : remove_pending(c, (size_t)p.step, seqtext_step_number,
				       edit_steps);
}

int h_seq_step_mkdir(struct rctx *c, const char *name)
{
	struct item it;
	cJSON *obj, *seqs;
	char *why = NULL;
	long step = seqtext_step_number(name);
	int rc;

	if (step < 1)
		return -EINVAL;	/* steps are numbers */
	rc = owner(c, &it, &obj);
	if (rc < 0)
		return rc;
	seqs = seqtext_add_step(obj, step, &why);
	rc = send(c, &it, seqs, why);
	let_go(&it, obj);
	return rc;
}
