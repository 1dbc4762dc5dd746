/*
 * Resumed TLS 1.3 handshakes per second, for scripts/bench.sh: what `openssl s_time -reuse` cannot
 * measure, because in TLS 1.3 the session ticket arrives after the handshake and s_time never reads
 * it (unless it also sends an HTTP request for every connection, whose cost would then be measured).
 *
 * The first connection makes a full handshake, sends one HTTP/1.0 request and reads until the
 * server's ticket has arrived (Conscrypt's server sends it only with its first answer; OpenSSL's
 * and JSSE's send it at once). Then, for the given seconds, each connection offers that ticket,
 * completes its handshake and closes, as s_time -reuse does with a TLS 1.2 session. Like s_time,
 * the client also offers TLS 1.2, and so the session_ticket extension, which makes JSSE's server
 * issue stateless tickets that it accepts more than once; each connection must still have been
 * TLS 1.3. Prints one line:
 *   <connections> <resumed> <seconds>
 * and exits non-zero when no ticket came, a handshake failed or one was not TLS 1.3.
 *
 * Usage: tls13_resume HOST PORT CERT KEY CAFILE SECONDS
 * Build: cc -O2 -o tls13_resume tls13_resume.c -lssl -lcrypto
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static SSL_SESSION *ticket; /* the first one the server sent */

static int keep_ticket(SSL *ssl, SSL_SESSION *session) {
    (void) ssl;
    if (ticket != NULL) {
        return 0;
    }
    ticket = session; /* we keep the reference */
    return 1;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int connect_to(const struct addrinfo *address) {
    int fd = socket(address->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One connection: a handshake offering the ticket (once there is one); the first one asks for it. */
static int handshake(SSL_CTX *ctx, const struct addrinfo *address, int *resumed) {
    int fd = connect_to(address);
    if (fd < 0) {
        return -1;
    }
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    int first = ticket == NULL;
    SSL_SESSION *offer = first ? NULL : SSL_SESSION_dup(ticket); /* OpenSSL's client marks an offered TLS 1.3 session used */
    if (offer != NULL) {
        SSL_set_session(ssl, offer);
        SSL_SESSION_free(offer); /* the SSL holds it now */
    }
    int ok = SSL_connect(ssl) == 1 && SSL_version(ssl) == TLS1_3_VERSION;
    if (ok) {
        *resumed = SSL_session_reused(ssl);
        if (first) {
            static const char request[] = "GET / HTTP/1.0\r\n\r\n";
            SSL_write(ssl, request, sizeof request - 1);
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); /* read what comes, never wait long */
            double deadline = now() + 5;
            while (ticket == NULL && now() < deadline) {
                char answer[4096];
                if (SSL_read(ssl, answer, sizeof answer) <= 0) {
                    if (SSL_get_error(ssl, -1) != SSL_ERROR_WANT_READ) {
                        break;
                    }
                    if (ticket == NULL) {
                        struct pollfd readable = {fd, POLLIN, 0};
                        poll(&readable, 1, 100);
                    }
                }
            }
        }
        SSL_shutdown(ssl);
    } else {
        ERR_print_errors_fp(stderr);
    }
    SSL_free(ssl);
    close(fd);
    return ok ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT CERT KEY CAFILE SECONDS\n", argv[0]);
        return 2;
    }
    double seconds = atof(argv[6]);
    struct addrinfo hints = {0}, *address;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(argv[1], argv[2], &hints, &address) != 0) {
        fprintf(stderr, "tls13_resume: cannot resolve %s\n", argv[1]);
        return 2;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, argv[3]) != 1 || SSL_CTX_use_PrivateKey_file(ctx, argv[4], SSL_FILETYPE_PEM) != 1
            || SSL_CTX_load_verify_locations(ctx, argv[5], NULL) != 1) {
        ERR_print_errors_fp(stderr);
        return 2;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, keep_ticket);

    int resumed = 0;
    if (handshake(ctx, address, &resumed) != 0 || ticket == NULL) {
        fprintf(stderr, "tls13_resume: no session ticket from %s:%s\n", argv[1], argv[2]);
        return 1;
    }
    long connections = 0, resumptions = 0;
    double began = now(), end = began + seconds;
    while (now() < end) {
        if (handshake(ctx, address, &resumed) != 0) {
            fprintf(stderr, "tls13_resume: a handshake failed or was not TLS 1.3\n");
            return 1;
        }
        connections++;
        resumptions += resumed;
    }
    printf("%ld %ld %.3f\n", connections, resumptions, now() - began);
    return resumptions > 0 ? 0 : 1;
}
