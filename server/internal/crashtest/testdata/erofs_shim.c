// erofs_shim.c: an LD_PRELOAD library that makes one folder act as if its
// filesystem had turned read-only under a running process, for
// TestSQLiteReadOnlyFS. (A real read-only remount is refused while SQLite
// holds the files open for writing: the kernel answers EBUSY.)
//
// While the file named by RAPPORT_FAULT_EROFS_TRIGGER exists, every write-side
// libc call on a file under RAPPORT_FAULT_EROFS_DIR fails with EROFS, as the
// kernel does on a read-only mount: write, pwrite, fsync, fdatasync, ftruncate
// (and their 64-bit names), open/openat asking for write access, and unlink.
// Reads, locks (fcntl) and everything else pass through. Once the trigger is
// removed, the calls reach libc again. Writes through a shared mmap (SQLite's
// -shm wal-index) are memory, not calls, and cannot be refused here; on a real
// read-only remount they would not reach the disk either, and nothing reads
// them back from it.
//
// SQLite is compiled into the Go binary through cgo and calls libc; Go's own
// file calls are raw syscalls and are not affected.
//
// RAPPORT_FAULT_EROFS_CALLS, a comma-separated list of call names (such as
// "fsync,fdatasync"), narrows the fault to those calls: the filesystem then
// turns read-only between SQLite's write of a commit and its sync.
// RAPPORT_FAULT_EROFS_LOG=1 writes one line to stderr per refused call.
//
// Build: cc -shared -fPIC -o erofs_shim.so erofs_shim.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static const char *trigger; // the file whose existence switches the fault on
static const char *dir;     // the folder that turns read-only
static size_t dir_len;
static int log_refusals;
static char calls[256]; // ",name,name," from RAPPORT_FAULT_EROFS_CALLS; empty: every call

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_unlink)(const char *);

__attribute__((constructor)) static void init(void) {
	real_write = dlsym(RTLD_NEXT, "write");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
	real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
	real_open = dlsym(RTLD_NEXT, "open");
	real_open64 = dlsym(RTLD_NEXT, "open64");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_openat64 = dlsym(RTLD_NEXT, "openat64");
	real_unlink = dlsym(RTLD_NEXT, "unlink");
	trigger = getenv("RAPPORT_FAULT_EROFS_TRIGGER");
	dir = getenv("RAPPORT_FAULT_EROFS_DIR");
	dir_len = dir ? strlen(dir) : 0;
	const char *l = getenv("RAPPORT_FAULT_EROFS_LOG");
	log_refusals = l && strcmp(l, "1") == 0;
	const char *c = getenv("RAPPORT_FAULT_EROFS_CALLS");
	if (c && *c) {
		snprintf(calls, sizeof calls, ",%s,", c);
	}
}

// chosen reports whether the call named what is one the fault applies to.
static int chosen(const char *what) {
	if (!calls[0]) {
		return 1;
	}
	char token[64];
	snprintf(token, sizeof token, ",%s,", what);
	return strstr(calls, token) != NULL;
}

// under reports whether path is dir or inside it.
static int under(const char *path) {
	return dir_len > 0 && path && strncmp(path, dir, dir_len) == 0 && (path[dir_len] == '/' || path[dir_len] == '\0');
}

// refuse decides whether a call on path (what) fails now; it sets errno.
static int refuse(const char *what, const char *path) {
	if (!trigger || !under(path) || !chosen(what) || access(trigger, F_OK) != 0) {
		return 0;
	}
	if (log_refusals) {
		char line[PATH_MAX + 64];
		int n = snprintf(line, sizeof line, "erofs-shim: %s %s: EROFS\n", what, path);
		if (n > 0) {
			real_write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
		}
	}
	errno = EROFS;
	return 1;
}

// refuse_fd is refuse for an open file descriptor, by its path in /proc.
static int refuse_fd(const char *what, int fd) {
	if (!trigger || !dir_len) {
		return 0;
	}
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	int saved = errno;
	ssize_t n = readlink(link, path, sizeof path - 1);
	errno = saved;
	if (n <= 0) {
		return 0;
	}
	path[n] = '\0';
	return refuse(what, path);
}

// refuse_open is refuse for an open that asks for write access or creation.
// The path is compared as given: SQLite opens the absolute paths it is given.
static int refuse_open(const char *what, const char *path, int flags) {
	if ((flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) == 0) {
		return 0;
	}
	return refuse(what, path);
}

ssize_t write(int fd, const void *buf, size_t n) {
	return refuse_fd("write", fd) ? -1 : real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
	return refuse_fd("pwrite", fd) ? -1 : real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
	return refuse_fd("pwrite64", fd) ? -1 : real_pwrite64(fd, buf, n, off);
}

int fsync(int fd) { return refuse_fd("fsync", fd) ? -1 : real_fsync(fd); }

int fdatasync(int fd) { return refuse_fd("fdatasync", fd) ? -1 : real_fdatasync(fd); }

int ftruncate(int fd, off_t len) { return refuse_fd("ftruncate", fd) ? -1 : real_ftruncate(fd, len); }

int ftruncate64(int fd, off_t len) { return refuse_fd("ftruncate64", fd) ? -1 : real_ftruncate64(fd, len); }

int unlink(const char *path) { return refuse("unlink", path) ? -1 : real_unlink(path); }

// The open family is variadic: the mode is there only with O_CREAT or O_TMPFILE.
#define MODE_ARG(flags, last)                                   \
	mode_t mode = 0;                                            \
	if ((flags) & (O_CREAT | O_TMPFILE)) {                      \
		va_list ap;                                             \
		va_start(ap, last);                                     \
		mode = (mode_t)va_arg(ap, int);                         \
		va_end(ap);                                             \
	}

int open(const char *path, int flags, ...) {
	MODE_ARG(flags, flags);
	return refuse_open("open", path, flags) ? -1 : real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
	MODE_ARG(flags, flags);
	return refuse_open("open64", path, flags) ? -1 : real_open64(path, flags, mode);
}

int openat(int at, const char *path, int flags, ...) {
	MODE_ARG(flags, flags);
	return refuse_open("openat", path, flags) ? -1 : real_openat(at, path, flags, mode);
}

int openat64(int at, const char *path, int flags, ...) {
	MODE_ARG(flags, flags);
	return refuse_open("openat64", path, flags) ? -1 : real_openat64(at, path, flags, mode);
}
