/*
 * seccomp-probe: calls syscalls with harmless arguments and prints what each returned, for the
 * seccomp tests. Built statically (cc -static) so that it runs in the busybox root filesystem.
 *
 *   seccomp-probe [-o FILE] CALL...
 *
 * CALL is NAME[:ARG,...] or NUMBER[:ARG,...] (numbers and arguments in C syntax: 0x.., -1),
 * or int80:NUMBER[:ARG,...] for the i386 ABI through int $0x80. Missing arguments are 0. Each
 * call prints one line "CALL RESULT ERRNO" (ERRNO 0 on success), written at once, so that the
 * lines before a call that kills the probe are kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct named { const char *name; long nr; };

#define S(n) { #n, SYS_##n }
static const struct named table[] = {
    S(read), S(write), S(close), S(getpid), S(getppid), S(getuid), S(getcwd), S(uname), S(dup),
    S(personality), S(mount), S(umount2), S(unshare), S(setns), S(clone), S(socket), S(ptrace),
    S(kcmp), S(bpf), S(perf_event_open), S(keyctl), S(add_key), S(request_key), S(chroot),
    S(syslog), S(acct), S(open_by_handle_at), S(init_module), S(finit_module), S(delete_module),
    S(iopl), S(ioperm), S(reboot), S(kexec_load), S(swapon), S(swapoff), S(settimeofday),
    S(clock_settime), S(sethostname), S(setdomainname), S(userfaultfd), S(quotactl),
    S(lookup_dcookie), S(vhangup), S(mbind), S(set_mempolicy), S(get_mempolicy), S(pivot_root),
    S(arch_prctl), S(modify_ldt), S(process_vm_readv), S(name_to_handle_at), S(nfsservctl),
    S(uselib), S(ustat), S(sysfs), S(_sysctl), S(afs_syscall), S(tuxcall), S(security),
    S(vserver), S(getpmsg), S(putpmsg), S(create_module), S(get_kernel_syms), S(query_module),
    S(io_setup), S(fanotify_init), S(fanotify_mark), S(mknod), S(sched_setattr), S(getrandom),
#ifdef SYS_clone3
    S(clone3),
#endif
#ifdef SYS_pidfd_getfd
    S(pidfd_getfd),
#endif
#ifdef SYS_io_uring_setup
    S(io_uring_setup),
#endif
#ifdef SYS_fsopen
    S(fsopen), S(move_mount), S(open_tree), S(fsmount), S(fspick), S(fsconfig),
#endif
#ifdef SYS_mount_setattr
    S(mount_setattr),
#endif
#ifdef SYS_process_madvise
    S(process_madvise),
#endif
#ifdef SYS_pidfd_open
    S(pidfd_open),
#endif
#ifdef SYS_close_range
    S(close_range),
#endif
#ifdef SYS_memfd_secret
    S(memfd_secret),
#endif
};

static int out = 1;

static long number_of(const char *s, int *ok) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno == ERANGE || *end != '\0')
        v = (long)strtoull(s, &end, 0);
    *ok = *s != '\0' && *end == '\0';
    return v;
}

static long lookup(const char *name) {
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].nr;
    int ok;
    long nr = number_of(name, &ok);
    if (!ok) {
        dprintf(2, "seccomp-probe: unknown syscall %s\n", name);
        exit(2);
    }
    return nr;
}

#if defined(__x86_64__)
/* The i386 ABI from a 64-bit process: int $0x80 takes ebx, ecx, edx, esi, edi, ebp. */
static long int80(long nr, const long *a) {
    long ret;
    register long r8 __asm__("r8") = a[4];
    register long r9 __asm__("r9") = a[5];
    __asm__ volatile("push %%rbp\n\tmov %%r9, %%rbp\n\tint $0x80\n\tpop %%rbp"
                     : "=a"(ret)
                     : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(r8), "r"(r9)
                     : "memory");
    return ret;
}
#endif

static void call(const char *spec) {
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", spec);
    char *rest = buf;
    int i386 = strncmp(rest, "int80:", 6) == 0;
    if (i386)
        rest += 6;
    char *name = strsep(&rest, ":");
    long nr = lookup(name);
    long a[6] = {0};
    for (int i = 0; rest != NULL && i < 6; i++) {
        int ok;
        a[i] = number_of(strsep(&rest, ","), &ok);
    }
    long ret;
    int err = 0;
    if (i386) {
#if defined(__x86_64__)
        ret = int80(nr, a);
        if (ret < 0 && ret > -4096) {
            err = (int)-ret;
            ret = -1;
        }
#else
        ret = -1;
        err = ENOSYS;
#endif
    } else {
        ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        err = ret == -1 ? errno : 0;
    }
    dprintf(out, "%s %ld %d\n", spec, ret, err);
}

int main(int argc, char **argv) {
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-o") == 0) {
        out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0) {
            perror("seccomp-probe: open");
            return 2;
        }
        first = 3;
    }
    for (int i = first; i < argc; i++)
        call(argv[i]);
    return 0;
}
