// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syslog_url.h"

#define NEED_PORT "no port; write SCHEME://HOST:PORT, e.g. udp://127.0.0.1:514"

static int url_error(char *err, size_t size, const char *url, const char *why)
{
	snprintf(err, size, "bad syslog URL \"%.100s\": %s", url, why);
	return -1;
}

/* A DNS name or dotted IPv4: what getaddrinfo may look up. */
static bool host_chars_ok(const char *h)
{
	for (; *h; h++) {
		if (!isalnum((unsigned char)*h) && !strchr(".-_", *h))
			return false;
	}
	return true;
}

static int parse_port(const char *url, const char *s, struct pa_syslog_url *u, char *err,
		      size_t size)
{
	char *stop;
	long n;

	if (*s != ':' || !s[1])
		return url_error(err, size, url, NEED_PORT);
	errno = 0;
	n = strtol(s + 1, &stop, 10);
	if (!isdigit((unsigned char)s[1]) || errno || *stop || n < 1 || n > 65535)
		return url_error(err, size, url, "the port must be a number from 1 to 65535, with nothing after it");
	snprintf(u->port, sizeof(u->port), "%ld", n);
	return 0;
}

static int parse_host_port(const char *url, const char *s, struct pa_syslog_url *u, char *err,
			   size_t size)
{
	bool v6 = *s == '[';
	const char *end;

	if (v6) {
		end = strchr(++s, ']');
		if (!end)
			return url_error(err, size, url, "'[' without ']' around the IPv6 address");
	} else {
		end = strchr(s, ':');
		if (end && strchr(end + 1, ':'))
			return url_error(err, size, url, "an IPv6 address goes in brackets, e.g. udp://[::1]:514");
		if (!end)
			return url_error(err, size, url, NEED_PORT);
	}
	if (end == s)
		return url_error(err, size, url, "no host; write SCHEME://HOST:PORT");
	if ((size_t)(end - s) >= sizeof(u->host))
		return url_error(err, size, url, "host name longer than 255 bytes");
	memcpy(u->host, s, end - s);
	if (v6 && inet_pton(AF_INET6, u->host, &(struct in6_addr){ 0 }) != 1)
		return url_error(err, size, url, "not an IPv6 address between '[' and ']'");
	if (!v6 && !host_chars_ok(u->host))
		return url_error(err, size, url, "the host is not a name or an IPv4 address");
	return parse_port(url, end + v6, u, err, size);
}

int pa_syslog_url_parse(const char *url, struct pa_syslog_url *u, char *err, size_t size)
{
	memset(u, 0, sizeof(*u));
	if (!strncmp(url, "unix:", 5)) {
		const char *path = url + 5;

		if (!strncmp(path, "//", 2)) /* unix:///dev/log, the URL spelling */
			path += 2;
		if (!*path)
			path = "/dev/log";
		if (strlen(path) >= sizeof(u->path))
			return url_error(err, size, url, "socket path longer than 107 bytes");
		u->transport = PA_SYSLOG_UNIX;
		strcpy(u->path, path);
		return 0;
	}
	if (!strncmp(url, "udp://", 6))
		u->transport = PA_SYSLOG_UDP;
	else if (!strncmp(url, "tcp://", 6))
		u->transport = PA_SYSLOG_TCP;
	else
		return url_error(err, size, url, "use udp://HOST:PORT, tcp://HOST:PORT or unix:PATH");
	return parse_host_port(url, url + 6, u, err, size);
}

int pa_syslog_url_resolve(const struct pa_syslog_url *u, struct pa_syslog_addrs *a, char *err,
			  size_t size)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICSERV, .ai_family = AF_UNSPEC };
	struct addrinfo *res, *ai;
	int rc;

	memset(a, 0, sizeof(*a));
	if (u->transport == PA_SYSLOG_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&a->addr[0];

		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, u->path, strlen(u->path));
		a->len[0] = sizeof(*sun);
		a->n = 1;
		return 0;
	}
	hints.ai_socktype = u->transport == PA_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc) {
		snprintf(err, size, "syslog: cannot resolve %s: %s", u->host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && a->n < PA_SYSLOG_MAX_ADDRS; ai = ai->ai_next) {
		memcpy(&a->addr[a->n], ai->ai_addr, ai->ai_addrlen);
		a->len[a->n++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return 0;
}
