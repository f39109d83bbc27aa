/*
 * doc.h - documents: one API answer shown as one file (workspace.json,
 * analytics, counts), cached like every blob.
 */
#ifndef INSTANTLYFS_DOC_H
#define INSTANTLYFS_DOC_H

#include <cjson/cJSON.h>

#include "cache.h"

/* Turns the API's answer into file contents. */
typedef int (*doc_render_fn)(const cJSON *resp, struct blob *out);

int doc_render_json(const cJSON *resp, struct blob *out);
int doc_render_csv(const cJSON *resp, struct blob *out);

/* GET path (body NULL) or POST path with body, rendered by fn; served
 * from the cache while fresh. */
int doc_get(const char *method, const char *path, const cJSON *body,
	    doc_render_fn fn, struct blob *out);

/* After a write: the server's object is the GET document at path. */
void doc_learn(const char *path, const cJSON *obj);

#endif
