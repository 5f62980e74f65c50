/* What a Type=notify service does to say it is ready, without libsystemd: sends its argument
 * as one datagram to $NOTIFY_SOCKET ("@name" for an abstract socket). Prints the variable it
 * saw, so that a test can check what the container was told. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (argc != 2 || path == NULL) {
    fprintf(stderr, "usage: NOTIFY_SOCKET=PATH sd-notify MESSAGE\n");
    return 2;
  }
  printf("NOTIFY_SOCKET=%s\n", path);
  fflush(stdout);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if (len >= sizeof(addr.sun_path)) {
    fprintf(stderr, "sd-notify: socket path too long\n");
    return 2;
  }
  memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("sd-notify: socket");
    return 1;
  }
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  if (sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&addr, alen) < 0) {
    perror("sd-notify: sendto");
    return 1;
  }
  return 0;
}
