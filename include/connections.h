/*
 * connections.h - "instantlyfs connections list|create|get|delete [ID]".
 *
 * Manages the Instantly connections of a gateway (managed auth) account on
 * the gateway's control host, API_CTRL_URL (or --ctrl-url URL), with the
 * key from MATON_API_KEY (or --key-file PATH).  Requests go through the
 * API core (api.h), so TLS, User-Agent, retries and errors are the mount's.
 */
#ifndef INSTANTLYFS_CONNECTIONS_H
#define INSTANTLYFS_CONNECTIONS_H

/*
 * argv[0] is "connections".  Prints the response JSON on stdout; for
 * create, also "Open this URL in a browser to authorise: <url>" on stderr.
 * Returns the exit status: 0, 1 on an error (message on stderr), 2 on a
 * usage error.  Calls api_init() and api_cleanup() itself.
 */
int connections_main(int argc, char **argv);

#endif
