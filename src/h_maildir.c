/*
 * h_maildir.c - the inbox as a Maildir (emails/maildir/{cur,new,tmp}) and
 * the outbox that sends what a mail reader writes as a reply.
 *
 * Every message of the inbox listing is a file of cur/ named
 * "<created>.<id>.instantly:2,<flags>", with S when it is read (the
 * listing's is_unread mark).  new/ and tmp/ are empty: every message has
 * been delivered, so readers never move files out of new/.  Renaming a
 * file to add or drop S sends the mark (PATCH is_unread); other flags
 * (F, R, T, ...) are kept by the mount only, for as long as it runs.
 * rm deletes the email.  The files are made from the listing and the
 * objects already held (mime.h); a message's In-Reply-To and References
 * name the messages before it in its thread, found through an index of
 * the listing by thread id.
 *
 * Locking: `lock` guards the thread index and the local flags; it is
 * taken before the cache lock, never inside it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmap.h"
#include "html.h"
#include "mime.h"
#include "tree.h"

#define NAME_HOST ".instantly:2,"
#define MAX_THREAD 200
#define NAME_ID_MAX 200	/* bytes of id in a name, within NAME_MAX */	/* messages of one thread looked at */

/* Entries of the inbox listing by thread: sorted (hash, position). */
struct tpos {
	uint64_t hash;
	size_t pos;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const struct listing *l;	/* compared, never followed */
	size_t n;
	double fetched;
	struct tpos *a;
	size_t na;
} tindex;
static struct hmap *local_flags;	/* id -> flags other than S */
static struct hmap *sent;	/* Message-IDs the outbox sent */

/* ---- names ---- */

/* A message's file name, from its entry's name (the escaped id). */
static int mail_name(char *buf, size_t len, time_t created, const char *id,
		     int read, const char *extra)
{
	char flags[32];
	size_t n = 0;

	/* Flags in ASCII order, S among them. */
	for (char f = 'A'; f <= 'z' && n + 1 < sizeof(flags); f++)
		if ((f == 'S' && read) ||
		    (f != 'S' && extra && strchr(extra, f)))
			flags[n++] = f;
	flags[n] = '\0';
	if (strlen(id) > NAME_ID_MAX)
		return -ENAMETOOLONG;	/* no id is that long: left out */
	return snprintf(buf, len, "%lld.%s" NAME_HOST "%s", (long long)created,
			id, flags) < (int)len
		       ? 0
		       : -ENAMETOOLONG;
}

/* A name read back: its time, id and flags (pointing into buf). */
struct mail_name {
	long long created;
	char *id;
	char *flags;
	char buf[512];
};

static int parse_name(const char *name, struct mail_name *m)
{
	char *dot, *host = NULL, *end;

	if (strlen(name) >= sizeof(m->buf))
		return -ENOENT;
	strcpy(m->buf, name);
	m->created = strtoll(m->buf, &end, 10);
	if (end == m->buf || *end != '.')
		return -ENOENT;
	dot = end + 1;
	for (char *h = strstr(dot, NAME_HOST); h; h = strstr(h + 1, NAME_HOST))
		host = h;
	if (!host || host == dot)
		return -ENOENT;
	*host = '\0';
	m->id = dot;
	m->flags = host + strlen(NAME_HOST);
	return 0;
}

/* The name entry e has now.  Locked by `lock` and the cache lock. */
static int name_of_locked(const struct entry *e, char *buf, size_t len)
{
	return mail_name(buf, len, e->mtime, e->name, !e->marked,
			 local_flags ? hmap_get(local_flags, e->id) : NULL);
}

/* ---- the inbox, whole ---- */

/* The whole inbox listing, referenced; NULL with *rc on failure. */
static struct listing *inbox(int *rc)
{
	return coll_whole(&coll_emails, NULL, rc);
}

int h_maildir_list(struct rctx *c, struct dirfill *d)
{
	struct listing *l;
	int rc;

	(void)c;
	l = inbox(&rc);
	if (!l)
		return rc;
	pthread_mutex_lock(&lock);
	cache_lock();
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		char name[512];
		struct entry e;

		listing_at(l, i, &e);
		if (e.name && name_of_locked(&e, name, sizeof(name)) == 0)
			rc = dirfill_add(d, name);	/* (removed: no name) */
	}
	cache_unlock();
	pthread_mutex_unlock(&lock);
	listing_put(l);
	return rc;
}

/*
 * cur/ changes whenever the inbox is listed again: its time is that of
 * the listing, renewed (from its newest end) once it is stale, so that
 * readers that watch it (mutt, neomutt) read the folder again.
 */
int h_maildir_cur_stat(struct rctx *c, struct node *n)
{
	static double offset;	/* wall clock minus cache_now(), once */
	struct listing *l;
	int rc;

	(void)c;
	l = inbox(&rc);
	if (!l)
		return rc;
	cache_lock();
	if (!offset)
		offset = (double)time(NULL) - cache_now();
	n->mtime = (time_t)(l->fetched + offset);
	cache_unlock();
	listing_put(l);
	return 0;
}

/* The entry a name of cur/ names, when the name is the one it has now
 * (its flags included).  Its id is copied to id; the inbox listing is
 * handed to *keep (referenced) when keep is not NULL. */
static int lookup(const char *name, char *id, size_t len,
		  struct listing **keep)
{
	struct mail_name m;
	struct listing *l;
	size_t i;
	int rc = parse_name(name, &m);

	if (rc < 0)
		return rc;
	l = inbox(&rc);
	if (!l)
		return rc;
	rc = -ENOENT;
	pthread_mutex_lock(&lock);
	cache_lock();
	i = listing_find(l, m.id);
	if (i) {
		char now[512];
		struct entry e;

		listing_at(l, i - 1, &e);
		if (name_of_locked(&e, now, sizeof(now)) == 0 &&
		    !strcmp(now, name) && strlen(e.id) < len) {
			strcpy(id, e.id);
			rc = 0;
		}
	}
	cache_unlock();
	pthread_mutex_unlock(&lock);
	if (rc == 0 && keep)
		*keep = l;
	else
		listing_put(l);
	return rc;
}

int h_maildir_stat(struct rctx *c, struct node *n)
{
	char id[256];

	(void)n;
	return lookup(c->cap[0], id, sizeof(id), NULL);
}

/*
 * An email as held, however old: what a message file shows (addresses,
 * subject, bodies, ids) never changes once the email exists, and the
 * flags come from the listing, so a listing that took longer than the
 * TTL to page in (20 pages a minute) is not fetched again one message
 * at a time.
 */
static int held_email(const char *id, cJSON **out)
{
	struct blob b = { 0 };
	int rc = coll_object_held(&coll_emails, id, &b);

	*out = NULL;
	if (rc < 0)
		return rc;
	*out = cJSON_ParseWithLength(b.data, b.len);
	blob_free(&b);
	return *out ? 0 : -EIO;
}

/* ---- the thread ---- */

static int tpos_cmp(const void *a, const void *b)
{
	const struct tpos *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Makes the index of l by thread, unless it is the one held.  Locked by
 * `lock` and the cache lock. */
static int index_locked(const struct listing *l)
{
	struct tpos *a;
	size_t na = 0;

	if (tindex.l == l && tindex.n == l->n && tindex.fetched == l->fetched)
		return 0;
	a = malloc((l->n ? l->n : 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		struct entry e;

		listing_at(l, i, &e);
		if (e.name && e.aux && *e.aux)
			a[na++] = (struct tpos){ cache_key_hash(e.aux), i };
	}
	qsort(a, na, sizeof(*a), tpos_cmp);
	free(tindex.a);
	tindex.a = a;
	tindex.na = na;
	tindex.l = l;
	tindex.n = l->n;
	tindex.fetched = l->fetched;
	return 0;
}

/* The ids of the other messages of id's thread (at most MAX_THREAD);
 * malloc'd array of malloc'd strings. */
static int thread_ids(struct listing *l, const char *id, char ***out,
		      size_t *nout)
{
	char **ids = NULL;
	size_t n = 0, i, lo = 0, hi;
	uint64_t h;
	int rc;

	*out = NULL;
	*nout = 0;
	pthread_mutex_lock(&lock);
	cache_lock();
	rc = index_locked(l);
	i = rc == 0 ? listing_find_id(l, id) : 0;
	if (i) {
		struct entry e;
		char *tid;

		listing_at(l, i - 1, &e);
		tid = e.aux && *e.aux ? strdup(e.aux) : NULL;
		h = tid ? cache_key_hash(tid) : 0;
		hi = tindex.na;
		while (tid && lo < hi) {	/* the first of the hash */
			size_t mid = lo + (hi - lo) / 2;

			if (tindex.a[mid].hash < h)
				lo = mid + 1;
			else
				hi = mid;
		}
		ids = tid ? calloc(MAX_THREAD, sizeof(*ids)) : NULL;
		for (size_t k = lo; ids && k < tindex.na &&
				    tindex.a[k].hash == h && n < MAX_THREAD;
		     k++) {
			listing_at(l, tindex.a[k].pos, &e);
			if (tindex.a[k].pos != i - 1 && e.aux &&
			    !strcmp(e.aux, tid) && (ids[n] = strdup(e.id)))
				n++;
		}
		free(tid);
	}
	cache_unlock();
	pthread_mutex_unlock(&lock);
	*out = ids;
	*nout = n;
	return rc;
}

/* One message before the one rendered. */
struct earlier {
	time_t when;
	char *mid;
};

static int earlier_cmp(const void *a, const void *b)
{
	const struct earlier *x = a, *y = b;

	return x->when < y->when ? -1 : x->when > y->when;
}

/*
 * The Message-IDs of the messages of email's thread sent before it,
 * oldest first (from the objects held; a message at the same second
 * counts as before it when its id is smaller).
 */
static int thread_refs(struct listing *l, const cJSON *email,
		       struct earlier **out, size_t *nout)
{
	const cJSON *idv = cJSON_GetObjectItemCaseSensitive(email, "id");
	time_t when = mime_email_time(email);
	struct earlier *ref;
	char **ids;
	size_t n, k = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!cJSON_IsString(idv))
		return 0;
	rc = thread_ids(l, idv->valuestring, &ids, &n);
	ref = rc == 0 && n ? calloc(n, sizeof(*ref)) : NULL;
	for (size_t i = 0; i < n; i++) {
		cJSON *o = NULL;
		time_t t;

		if (ref && held_email(ids[i], &o) == 0 &&
		    ((t = mime_email_time(o)) < when ||
		     (t == when && strcmp(ids[i], idv->valuestring) < 0)) &&
		    (ref[k].mid = mime_message_id(o)))
			ref[k++].when = t;
		cJSON_Delete(o);
		free(ids[i]);
	}
	free(ids);
	qsort(ref, k, sizeof(*ref), earlier_cmp);
	*out = ref;
	*nout = k;
	return rc;
}

struct render_arg {
	char **refs;
	size_t nrefs;
};

static int derive_mail(const cJSON *email, const void *arg, struct blob *out)
{
	const struct render_arg *r = arg;
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(email, "body");
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(body, "text");
	const cJSON *html = cJSON_GetObjectItemCaseSensitive(body, "html");
	struct mime_thread t = { r->refs, r->nrefs };
	char *made = NULL;
	int rc;

	/* A message with only HTML gets the text body.txt shows. */
	if (!cJSON_IsString(text) && cJSON_IsString(html))
		made = html_to_text(html->valuestring, NULL);
	rc = mime_render(email, made, &t, &out->data, &out->len);
	free(made);
	out->mtime = mime_email_time(email);
	return rc;
}

int h_maildir_read(struct rctx *c, struct blob *out)
{
	char id[256], what[64];
	struct render_arg r = { 0 };
	struct earlier *refs = NULL;
	struct listing *l;
	cJSON *email = NULL;
	size_t nrefs = 0;
	uint64_t h = 0;
	int rc = lookup(c->cap[0], id, sizeof(id), &l);

	if (rc < 0)
		return rc;
	rc = held_email(id, &email);
	if (rc == 0)
		rc = thread_refs(l, email, &refs, &nrefs);
	listing_put(l);
	r.refs = rc == 0 && nrefs ? calloc(nrefs, sizeof(char *)) : NULL;
	for (size_t i = 0; i < nrefs; i++) {
		if (r.refs)
			r.refs[i] = refs[i].mid;
		h = h * 31 + cache_key_hash(refs[i].mid);
	}
	r.nrefs = r.refs ? nrefs : 0;
	/* Made once per version of the object and of its thread. */
	snprintf(what, sizeof(what), "mail %016llx", (unsigned long long)h);
	if (rc == 0)
		rc = coll_derived_held(&coll_emails, id, what, derive_mail, &r,
				       out);
	for (size_t i = 0; i < nrefs; i++)
		free(refs[i].mid);
	free(refs);
	free(r.refs);
	cJSON_Delete(email);
	return rc;
}

/* ---- flags and deletes ---- */

/* Keeps the flags of id other than S. */
static void keep_flags(const char *id, const char *flags)
{
	char rest[32];
	size_t n = 0;

	for (; *flags && n + 1 < sizeof(rest); flags++)
		if (*flags != 'S' && *flags >= 'A' && *flags <= 'z')
			rest[n++] = *flags;
	rest[n] = '\0';
	pthread_mutex_lock(&lock);
	if (!local_flags)
		local_flags = hmap_new();
	if (local_flags) {
		char *v = n ? strdup(rest) : NULL, *old = NULL;

		if (n && v)
			hmap_put(local_flags, id, v, (void **)&old);
		else
			old = hmap_del(local_flags, id);
		free(old);
	}
	pthread_mutex_unlock(&lock);
}

/* Sends is_unread for id; the answer updates the listing (and so every
 * view of it). */
static int send_mark(const char *id, int read)
{
	cJSON *body = cJSON_CreateObject(), *obj = NULL;
	int rc;

	cJSON_AddNumberToObject(body, "is_unread", read ? 0 : 1);
	rc = coll_send(&coll_emails, "PATCH", id, body, &obj);
	cJSON_Delete(body);
	if (rc == 0) {
		if (cJSON_IsObject(obj))
			coll_learn(&coll_emails, NULL, obj);
		else
			coll_forget(&coll_emails, NULL);
		coll_forget(&coll_unread, NULL);
	}
	cJSON_Delete(obj);
	return rc;
}

int h_maildir_rename(struct rctx *c, struct rctx *to)
{
	struct mail_name from, dest;
	char id[256];
	int rc = lookup(c->cap[0], id, sizeof(id), NULL);

	if (rc < 0)
		return rc;
	if (to->route != c->route || parse_name(c->cap[0], &from) < 0 ||
	    parse_name(to->cap[0], &dest) < 0 || strcmp(from.id, dest.id) ||
	    from.created != dest.created) {
		h_refuse("RENAME", c,
			 "a message of the Maildir keeps its name up to "
			 "\":2,\"; only its flags change");
		return -EPERM;
	}
	if (!strchr(from.flags, 'S') != !strchr(dest.flags, 'S')) {
		rc = send_mark(id, strchr(dest.flags, 'S') != NULL);
		if (rc < 0)
			return rc;
	}
	keep_flags(id, dest.flags);
	return 0;
}

int h_maildir_unlink(struct rctx *c)
{
	char id[256];
	int rc = lookup(c->cap[0], id, sizeof(id), NULL);

	if (rc < 0)
		return rc;
	rc = coll_send(&coll_emails, "DELETE", id, NULL, NULL);
	if (rc == 0) {
		coll_unlearn(&coll_emails, NULL, id);
		coll_forget(&coll_unread, NULL);
		keep_flags(id, "");
	}
	return rc;
}

/* ---- the outbox ---- */

int h_outbox_list(struct rctx *c, struct dirfill *d)
{
	(void)c;
	(void)d;
	return 0;	/* what is written there is sent, not kept */
}

int h_outbox_stat(struct rctx *c, struct node *n)
{
	(void)c;
	(void)n;
	return -ENOENT;
}

int h_outbox_create(struct rctx *c)
{
	const char *name = c->cap[0];
	size_t len = strlen(name);

	/* Editors' temporary names stay scratch files. */
	return name[0] == '.' || (len && name[len - 1] == '~') ? -ENOENT : 0;
}

/* The id of the inbox message whose Message-ID is mid: ours name it,
 * others are looked for among the objects held. */
static int find_message(const char *mid, char *id, size_t len)
{
	const char *ours = strstr(mid, "@instantly.invalid>");
	size_t mlen = strlen(mid);
	struct listing *l;
	int rc;

	if (ours && mid[0] == '<' && (size_t)(ours - mid - 1) < len &&
	    ours + strlen("@instantly.invalid>") == mid + mlen) {
		memcpy(id, mid + 1, (size_t)(ours - mid - 1));
		id[ours - mid - 1] = '\0';
		return 0;
	}
	l = inbox(&rc);
	if (!l)
		return rc;
	rc = -ENOENT;
	for (size_t i = 0; rc == -ENOENT; i++) {
		char eid[256] = "";
		struct blob b = { 0 };
		cJSON *o;
		char *m;

		cache_lock();
		if (i < l->n) {
			struct entry e;

			listing_at(l, i, &e);
			if (e.name && strlen(e.id) < sizeof(eid))
				strcpy(eid, e.id);
		}
		cache_unlock();
		if (i >= l->n)
			break;
		/* The text is looked at before it is parsed. */
		if (!*eid || coll_object_held(&coll_emails, eid, &b) < 0 ||
		    !memmem(b.data, b.len, mid + 1, mlen - 2)) {
			blob_free(&b);
			continue;
		}
		o = cJSON_ParseWithLength(b.data, b.len);
		m = o ? mime_message_id(o) : NULL;
		if (m && !strcmp(m, mid) && strlen(eid) < len) {
			strcpy(id, eid);
			rc = 0;
		}
		free(m);
		cJSON_Delete(o);
		blob_free(&b);
	}
	listing_put(l);
	return rc;
}

/* Has this message been sent already?  Marks it sent when not. */
static int sent_before(const char *mid, int mark)
{
	int was;

	pthread_mutex_lock(&lock);
	if (!sent)
		sent = hmap_new();
	was = sent && hmap_get(sent, mid) != NULL;
	if (!was && mark && sent)
		hmap_put(sent, mid, (void *)1, NULL);
	pthread_mutex_unlock(&lock);
	return was;
}

int h_outbox_commit(struct rctx *c, const char *data, size_t len)
{
	struct mime_msg m;
	struct reply r = { 0 };
	const char *why;
	char id[256], msg[700];
	cJSON *email = NULL;
	int rc = mime_parse(data, len, &m, &why);

	if (rc == -EINVAL)
		return h_refuse("WRITE", c, why);
	if (rc < 0)
		return rc;
	/* The same message written again (a second close) is not sent
	 * again. */
	if (m.message_id && sent_before(m.message_id, 0)) {
		mime_msg_free(&m);
		return 0;
	}
	rc = find_message(m.in_reply_to, id, sizeof(id));
	if (rc == -ENOENT) {
		snprintf(msg, sizeof(msg),
			 "In-Reply-To %.500s names no message of the inbox: "
			 "only replies are sent", m.in_reply_to);
		rc = h_refuse("WRITE", c, msg);
	}
	if (rc == 0)
		rc = coll_object_json(&coll_emails, id, &email);
	if (rc == 0) {
		r.subject = m.subject;
		r.text = m.text;
		r.html = m.html;
		r.cc = m.cc;
		r.bcc = m.bcc;
		rc = h_send_reply(id, email, &r);
	}
	if (rc == 0 && m.message_id)
		sent_before(m.message_id, 1);
	cJSON_Delete(email);
	mime_msg_free(&m);
	return rc;
}
