/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where syslog messages go, as the user writes it:
 *
 *   udp://HOST:PORT   tcp://HOST:PORT   unix:PATH (unix: alone is /dev/log)
 *
 * HOST is a name, an IPv4 address, or an IPv6 address in brackets
 * ([::1]:514).  The port is required: 514 (RFC 5426, UDP) and 601 or 6514
 * (TCP, TLS) are all in use, so none is a safe guess.
 */
#ifndef PA_SYSLOG_URL_H
#define PA_SYSLOG_URL_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

enum pa_syslog_transport {
	PA_SYSLOG_UDP,
	PA_SYSLOG_TCP,
	PA_SYSLOG_UNIX,
};

struct pa_syslog_url {
	enum pa_syslog_transport transport;
	char host[256];                                          /* udp, tcp: IPv6 without brackets */
	char port[8];                                            /* udp, tcp: "1".."65535" */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];  /* unix */
};

/* getaddrinfo may give several (IPv4 and IPv6): each retry takes the next. */
#define PA_SYSLOG_MAX_ADDRS 8

struct pa_syslog_addrs {
	struct sockaddr_storage addr[PA_SYSLOG_MAX_ADDRS];
	socklen_t len[PA_SYSLOG_MAX_ADDRS];
	unsigned n;
};

/* 0, or -1 with one line in err: what is wrong and how it should look. */
int pa_syslog_url_parse(const char *url, struct pa_syslog_url *u, char *err, size_t errsize);
/* The addresses to connect to (a unix URL's is its path).  Resolving a
 * name may block: call it once, at startup.  0, or -1 with one line in err. */
int pa_syslog_url_resolve(const struct pa_syslog_url *u, struct pa_syslog_addrs *a, char *err,
			  size_t errsize);

#endif
