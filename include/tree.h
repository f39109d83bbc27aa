/*
 * tree.h - the route table (tree.c) and the handlers its rows name.
 *
 * Handlers get the matched path (struct rctx) and the row's arg.  They
 * hold no FUSE knowledge and fetch through coll.h and doc.h only.
 */
#ifndef INSTANTLYFS_TREE_H
#define INSTANTLYFS_TREE_H

#include <stddef.h>

#include "coll.h"
#include "route.h"

extern const struct route tree_routes[];
extern const size_t tree_nroutes;

/* Row arg of the collection handlers (h_coll.c). */
struct coll_view {
	const struct coll *coll;
	int parent_cap;		/* capture holding the parent id, or -1 */
	int name_cap;		/* capture holding the entry's name */
	const char *link;	/* link target; "%s" is the entry's name */
};

/* Row arg of the document handlers (h_docs.c). */
struct doc_view {
	const char *method;
	const char *path;	/* printf format; "%s" is the capture */
	int cap;		/* capture put in the path, or -1 */
	const char *id_param;	/* query field given the capture; NULL:
				   the capture is the path's "%s" */
	int csv;		/* render as CSV */
	int range_cap;		/* capture holding "<from>..<to>", or -1 */
};

/* h_coll.c */
int h_coll_list(struct rctx *c, struct dirfill *d);
int h_coll_list_labels(struct rctx *c, struct dirfill *d);
int h_coll_stat(struct rctx *c, struct node *n);
int h_coll_read(struct rctx *c, struct blob *out);
int h_coll_stat_label(struct rctx *c, struct node *n);
int h_coll_link_label(struct rctx *c, struct blob *out);
int h_coll_link(struct rctx *c, struct blob *out);
const char *h_cap_id(struct rctx *c, int cap, char *buf, size_t len);
/* The entry the view's name capture names. */
int h_coll_lookup(struct rctx *c, struct item *it);
/* What a stat shows of an entry: its mtime, and a file's size and version. */
void h_item_stat(const struct item *it, struct node *n);
/* The entry whose label is the view's name capture (name, aux, mtime). */
int h_coll_lookup_label(struct rctx *c, struct item *it);

/* h_edit.c */
int h_coll_commit(struct rctx *c, const char *data, size_t len);
int h_coll_delete(struct rctx *c);
int h_lead_create(struct rctx *c);
int h_workspace_commit(struct rctx *c, const char *data, size_t len);
/* The address a new file's name "<email>.json" gives (unescaped), or
 * NULL when it is not one; malloc'd. */
char *h_email_of_name(const char *name);
/* Checks the object a new file's text gives (a create's body): every
 * field one of takes (what: "a new lead"), its email the file's, or set
 * to it when absent.  0, or -EINVAL with *why (malloc'd), or -ENOMEM. */
int h_new_fields(cJSON *obj, const char *const *takes, const char *what,
		 const char *email, char **why);
/* Records why a write to c's path was not sent (errors file, log):
 * -EINVAL. */
int h_refuse(const char *method, struct rctx *c, const char *why);
/* The check at write of a JSON file: refuses a syntax error already
 * written (jsonprefix.h). */
int h_json_check(struct rctx *c, const char *data, size_t len);

/* h_actions.c: files whose write is an action */
int h_campaign_status_commit(struct rctx *c, const char *data, size_t len);
int h_account_status_commit(struct rctx *c, const char *data, size_t len);
int h_account_warmup_commit(struct rctx *c, const char *data, size_t len);
/* The checks at write of the files above that take one of two words. */
int h_campaign_status_check(struct rctx *c, const char *data, size_t len);
int h_account_status_check(struct rctx *c, const char *data, size_t len);
int h_account_warmup_check(struct rctx *c, const char *data, size_t len);
int h_reply_commit(struct rctx *c, const char *data, size_t len);
int h_forward_commit(struct rctx *c, const char *data, size_t len);
int h_thread_read_commit(struct rctx *c, const char *data, size_t len);
/* A reply to email (its id): subject, and text or html or both. */
struct reply {
	const char *subject;
	const char *text, *html;
	const char *cc, *bcc;	/* comma-separated, or NULL */
};
int h_send_reply(const char *id, const cJSON *email, const struct reply *r);

/* h_import.c */
int h_import_read(struct rctx *c, struct blob *out);
int h_import_commit(struct rctx *c, const char *data, size_t len);
int h_import_stream(struct rctx *c, void **st, const char *data, size_t len,
		    int last);
void h_import_stream_free(void *st);
/* The imports under way, a line each: "import_in_progress <kind>/<id>
 * batches_sent <n>[ of <m>] leads_sent <n>\n"; malloc'd. */
char *h_import_progress(void);

/* h_make.c: mkdir, touch, ln -s, mv */
void h_make_set_timezone(const char *tz);
int h_campaign_mkdir(struct rctx *c, const char *name);
int h_list_mkdir(struct rctx *c, const char *name);
int h_tag_mkdir(struct rctx *c, const char *name);
/* mkdir of a folder that is one object of coll, called name (its escaped
 * component) in field: POST body (taken), never twice. */
int h_make_named(const struct coll *coll, const char *field,
		 const char *name, cJSON *body);
int h_block_create(struct rctx *c);
int h_block_commit(struct rctx *c, const char *data, size_t len);
int h_tag_symlink(struct rctx *c, const char *name, const char *target);
int h_tag_unlink(struct rctx *c);
int h_lead_move(struct rctx *c, struct rctx *to);
int h_label_rename(struct rctx *c, struct rctx *to);

/* h_account.c: new sending accounts */
int h_account_mkdir(struct rctx *c, const char *name);
int h_account_commit(struct rctx *c, const char *data, size_t len);

/* h_local.c: folders made by mkdir that exist only in the mount until
 * their JSON file is written (accounts/<email>, webhooks/<name>, a
 * subsequence's folder made by a copy).  The
 * row's arg is the collection's view; c names the folder or a file in
 * it, except for mkdir, where c is the parent folder. */
int h_local_mkdir(struct rctx *c, const char *name);
/* Adds the names of the local folders in c's folder to d. */
void h_local_names(struct rctx *c, struct dirfill *d);
int h_local_is(struct rctx *c);
void h_local_forget(struct rctx *c);
/* The object's folder, or a local one (R_LOCAL). */
int h_local_stat(struct rctx *c, struct node *n);
/* A local folder goes (ENOTEMPTY while it holds scratch files); an
 * object's folder is DELETEd. */
int h_local_rmdir(struct rctx *c);
/* The JSON file may be made in a local folder only. */
int h_local_create(struct rctx *c);
/* The body of the create that text written there asks for: one object
 * without the fields named in drop (may be NULL), every other field one
 * that takes names; else -EINVAL, its reason in the error log. */
int h_local_body(const struct coll *coll, const char *data, size_t len,
		 const char *const *drop, const char *const *takes,
		 cJSON **body);
/* Creates the object (coll_create: never twice, look says after a lost
 * answer whether it was made); the folder is then the object's. */
int h_local_post(struct rctx *c, const struct coll *coll, const cJSON *body,
		 int (*look)(void *arg, cJSON **found), void *arg);

/* h_webhooks.c: webhooks/ */
int h_webhook_mkdir(struct rctx *c, const char *name);
int h_webhook_commit(struct rctx *c, const char *data, size_t len);
/* rm of a file (rmdir of events/) in a webhook's folder: 0, nothing sent,
 * so that rm -r reaches the folder's rmdir. */
int h_webhook_part_unlink(struct rctx *c);
int h_webhook_status_read(struct rctx *c, struct blob *out);
int h_webhook_status_check(struct rctx *c, const char *data, size_t len);
int h_webhook_status_commit(struct rctx *c, const char *data, size_t len);
int h_webhook_test_commit(struct rctx *c, const char *data, size_t len);
int h_webhook_events_list(struct rctx *c, struct dirfill *d);
int h_webhook_event_stat(struct rctx *c, struct node *n);
int h_webhook_event_read(struct rctx *c, struct blob *out);
int h_webhook_event_types_read(struct rctx *c, struct blob *out);
/* GET /webhooks/event-types as one type a line, "<id>\t<type>\t<label>",
 * so that cut -f1 gives the values event_type takes (a doc_render_fn). */
int h_webhook_types_render(const cJSON *resp, struct blob *out);

/* h_docs.c */
int h_doc_read(struct rctx *c, struct blob *out);
int h_range_stat(struct rctx *c, struct node *n);
int h_workspace_read(struct rctx *c, struct blob *out);
int h_unread_count_read(struct rctx *c, struct blob *out);
int h_warmup_analytics_read(struct rctx *c, struct blob *out);

/* h_fields.c: one field of an object as a word */
int h_campaign_status_read(struct rctx *c, struct blob *out);
int h_account_status_read(struct rctx *c, struct blob *out);
int h_account_warmup_read(struct rctx *c, struct blob *out);
int h_body_read(struct rctx *c, struct blob *out);
const char *h_campaign_status_label(long status);
int h_empty_read(struct rctx *c, struct blob *out);

/* h_views.c: symlink folders */
/*
 * Says what name an entry shows in a view, or NULL to leave it out.
 * buf may hold the name.  Called with the cache lock held.
 */
typedef const char *(*pick_fn)(const struct entry *e, const void *arg,
			       char *buf, size_t len);
/* Adds the distinct names pick() gives for the entries of every page of
 * coll under parent. */
int h_view_pick(const struct coll *coll, const char *parent, pick_fn pick,
		const void *arg, struct dirfill *d);
int h_by_status_list(struct rctx *c, struct dirfill *d);
int h_by_status_stat(struct rctx *c, struct node *n);
int h_by_status_members(struct rctx *c, struct dirfill *d);
int h_by_status_member_stat(struct rctx *c, struct node *n);
int h_threads_list(struct rctx *c, struct dirfill *d);
int h_thread_stat(struct rctx *c, struct node *n);
int h_thread_members(struct rctx *c, struct dirfill *d);
int h_thread_member_stat(struct rctx *c, struct node *n);
int h_unread_list(struct rctx *c, struct dirfill *d);
int h_unread_stat(struct rctx *c, struct node *n);
int h_tag_links_list(struct rctx *c, struct dirfill *d);
int h_tag_link_stat(struct rctx *c, struct node *n);
int h_tag_link_read(struct rctx *c, struct blob *out);

/* h_sequence.c: the email copy as text (the arg: the view of the object
 * that holds the sequence) */
int h_seq_steps_list(struct rctx *c, struct dirfill *d);
int h_seq_step_mkdir(struct rctx *c, const char *name);
int h_seq_step_stat(struct rctx *c, struct node *n);
int h_seq_step_rmdir(struct rctx *c);
int h_seq_step_delete(struct rctx *c);
int h_seq_delay_unlink(struct rctx *c);
int h_seq_variants_list(struct rctx *c, struct dirfill *d);
int h_seq_delay_read(struct rctx *c, struct blob *out);
int h_seq_delay_commit(struct rctx *c, const char *data, size_t len);
int h_seq_variant_read(struct rctx *c, struct blob *out);
int h_seq_variant_commit(struct rctx *c, const char *data, size_t len);
int h_seq_variant_create(struct rctx *c);
int h_seq_variant_unlink(struct rctx *c);
int h_seq_variant_check(struct rctx *c, const char *data, size_t len);
int h_seq_delay_check(struct rctx *c, const char *data, size_t len);

/* h_interest.c: leads by interest status, custom lead labels */
int h_interest_list(struct rctx *c, struct dirfill *d);
int h_interest_stat(struct rctx *c, struct node *n);
int h_interest_members(struct rctx *c, struct dirfill *d);
int h_interest_symlink(struct rctx *c, const char *name, const char *target);
int h_interest_member_stat(struct rctx *c, struct node *n);
int h_interest_link(struct rctx *c, struct blob *out);
int h_interest_unlink(struct rctx *c);
int h_interest_rename(struct rctx *c, struct rctx *to);
int h_lead_label_mkdir(struct rctx *c, const char *name);
int h_lead_label_rename(struct rctx *c, struct rctx *to);

/* h_maildir.c: the inbox as a Maildir, and the outbox */
int h_maildir_cur_stat(struct rctx *c, struct node *n);
int h_maildir_list(struct rctx *c, struct dirfill *d);
int h_maildir_stat(struct rctx *c, struct node *n);
int h_maildir_read(struct rctx *c, struct blob *out);
int h_maildir_rename(struct rctx *c, struct rctx *to);
int h_maildir_unlink(struct rctx *c);
int h_outbox_list(struct rctx *c, struct dirfill *d);
int h_outbox_stat(struct rctx *c, struct node *n);
int h_outbox_create(struct rctx *c);
int h_outbox_commit(struct rctx *c, const char *data, size_t len);

/* h_subseq.c: a campaign's subsequences */
int h_subseq_mkdir(struct rctx *c, const char *name);
int h_subseq_list(struct rctx *c, struct dirfill *d);
int h_subseq_file_stat(struct rctx *c, struct node *n);
int h_subseq_rename(struct rctx *c, struct rctx *to);
int h_subseq_json_commit(struct rctx *c, const char *data, size_t len);
int h_subseq_status_read(struct rctx *c, struct blob *out);
int h_subseq_status_check(struct rctx *c, const char *data, size_t len);
int h_subseq_status_commit(struct rctx *c, const char *data, size_t len);
int h_subseq_sending_read(struct rctx *c, struct blob *out);
int h_subseq_duplicate_commit(struct rctx *c, const char *data, size_t len);

/* h_verify.c */
int h_verify_list(struct rctx *c, struct dirfill *d);
int h_verify_read(struct rctx *c, struct blob *out);
int h_verify_stat(struct rctx *c, struct node *n);

/* h_team.c: members, inbox placement tests, the audit log */
int h_member_create(struct rctx *c);
int h_member_commit(struct rctx *c, const char *data, size_t len);
int h_placement_read(struct rctx *c, struct blob *out);
int h_audit_read_at(struct rctx *c, void **st, char *out, size_t size,
		    off_t off);
void h_audit_free(void *st);

/* h_meta.c: .instantlyfs */
int h_stats_read(struct rctx *c, struct blob *out);
int h_errors_read(struct rctx *c, struct blob *out);
int h_version_read(struct rctx *c, struct blob *out);
int h_refresh_commit(struct rctx *c, const char *data, size_t len);
int h_rejected_list(struct rctx *c, struct dirfill *d);
int h_rejected_read(struct rctx *c, struct blob *out);

#endif
