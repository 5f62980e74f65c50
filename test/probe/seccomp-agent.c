/*
 * seccomp-agent: a seccomp agent for the tests, on the host. Listens on SOCKET, takes one
 * connection, writes the container process state it carries to STATE_FILE, checks that the
 * descriptor that came with it (SCM_RIGHTS) is a seccomp notification descriptor, then answers
 * one notification with the value REPLY.
 *
 *   seccomp-agent SOCKET STATE_FILE REPLY
 *
 * Prints "listening", "fd <link target>", "notified <nr>", "answered" on stdout as it goes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what) {
    printf("error %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: seccomp-agent SOCKET STATE_FILE REPLY\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
    if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(srv, 1) < 0)
        die("listen");
    printf("listening\n");
    int conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        die("accept");

    static char state[65536];
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    struct iovec iov = {.iov_base = state, .iov_len = sizeof(state) - 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        die("recvmsg");
    int fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(&fd, CMSG_DATA(c), sizeof(int));
    size_t len = (size_t)n;
    while ((n = read(conn, state + len, sizeof(state) - 1 - len)) > 0)
        len += (size_t)n;
    close(conn);
    FILE *f = fopen(argv[2], "w");
    if (f == NULL || fwrite(state, 1, len, f) != len || fclose(f) != 0)
        die("write the state");
    if (fd < 0) {
        printf("error no descriptor came with the state\n");
        return 1;
    }
    char link[64], target[256] = "";
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    if (readlink(link, target, sizeof(target) - 1) < 0)
        die("readlink");
    printf("fd %s\n", target);

    struct seccomp_notif req;
    memset(&req, 0, sizeof(req));
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        die("SECCOMP_IOCTL_NOTIF_RECV");
    printf("notified %d\n", req.data.nr);
    struct seccomp_notif_resp resp = {.id = req.id, .val = atoll(argv[3]), .error = 0, .flags = 0};
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
        die("SECCOMP_IOCTL_NOTIF_SEND");
    printf("answered\n");
    return 0;
}
