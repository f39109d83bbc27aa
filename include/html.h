/*
 * html.h - an email's HTML body as readable plain text.
 *
 * Tags are dropped; <br>, </p>, </div>, </li>, </tr> and </h1-6> end a
 * line; <script> and <style> contents are dropped; the common entities
 * (&amp; &lt; &gt; &quot; &#39; &nbsp; and numeric ones) are decoded;
 * runs of blank lines are folded into one; the text ends with one
 * newline.  Pure, thread-safe.
 */
#ifndef INSTANTLYFS_HTML_H
#define INSTANTLYFS_HTML_H

#include <stddef.h>

/* malloc'd, NUL-terminated; NULL on allocation failure. */
char *html_to_text(const char *html, size_t *len);

#endif
