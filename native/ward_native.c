/*
 * Ward's native process hardening: the system calls Node.js cannot make itself.
 *
 * The whole surface, kept small enough to audit at a glance:
 *   lockMemory(onFault: boolean) -> int   the madvise filter below, then
 *                                         mlockall(MCL_CURRENT | MCL_FUTURE [| MCL_ONFAULT])
 *   disableDumpable()            -> int   prctl(PR_SET_DUMPABLE, 0)
 *   dumpable()                   -> int   prctl(PR_GET_DUMPABLE): 0 or 1 (2 = suid-safe)
 *   disableCoreDumps()           -> int   setrlimit(RLIMIT_CORE, {0, 0})
 * Each setter returns 0 or the errno value of the failed call (lockMemory: minus the
 * errno when the filter could not be installed, and then nothing is locked); dumpable()
 * returns the state or -errno. Nothing here allocates on the heap, keeps state, or reads
 * a string from JavaScript: the only input is one boolean. Off Linux, and on Linux
 * architectures other than x86_64 and aarch64, locking reports ENOSYS.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <node_api.h>

#ifdef __linux__
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
/* Linux 4.4+; older headers lack it, and an older kernel answers EINVAL. */
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#if defined(__x86_64__)
#define WARD_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define WARD_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#endif

#ifdef WARD_AUDIT_ARCH
/*
 * V8 releases memory with madvise(MADV_DONTNEED) and aborts the process when that call
 * fails, and the kernel refuses it (EINVAL) on locked pages: with mlockall in force the
 * first new JIT code page, or the first time the young generation shrinks, kills Node.
 * This filter answers madvise(..., MADV_DONTNEED) with success without running it, for
 * every thread. The advice only ever gives memory back early, so skipping it is safe:
 * the pages stay resident and locked, and no caller may rely on their contents being
 * zeroed (V8 documents the call as a hint; glibc clears reused memory itself).
 * Every other system call, and every other madvise advice, is untouched.
 */
static int ignore_madvise_dontneed(void) {
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, WARD_AUDIT_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_madvise, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      /* args[2] is 64 bits wide; both supported architectures are little-endian, so this loads its low word, which holds the int advice. */
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MADV_DONTNEED, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof(code) / sizeof(code[0])), code};
  /* Needed to install a filter without CAP_SYS_ADMIN; also stops setuid gains in children. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) return errno;
  return 0;
}
#endif

static napi_value int_result(napi_env env, int value) {
  napi_value out;
  if (napi_create_int32(env, value, &out) != napi_ok) return NULL;
  return out;
}

static napi_value lock_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool on_fault = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 1 || napi_get_value_bool(env, argv[0], &on_fault) != napi_ok) {
    napi_throw_type_error(env, NULL, "lockMemory(onFault) takes one boolean");
    return NULL;
  }
#ifdef WARD_AUDIT_ARCH
  /* Without the filter a locked Node process aborts at its next JIT page: refuse instead. */
  int filter = ignore_madvise_dontneed();
  if (filter != 0) return int_result(env, -filter);
  int flags = MCL_CURRENT | MCL_FUTURE | (on_fault ? MCL_ONFAULT : 0);
  return int_result(env, mlockall(flags) == 0 ? 0 : errno);
#else
  (void)on_fault;
  return int_result(env, -ENOSYS);
#endif
}

static napi_value disable_dumpable(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __linux__
  return int_result(env, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : errno);
#else
  return int_result(env, ENOSYS);
#endif
}

static napi_value dumpable(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __linux__
  int state = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  return int_result(env, state >= 0 ? state : -errno);
#else
  return int_result(env, -ENOSYS);
#endif
}

static napi_value disable_core_dumps(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __linux__
  const struct rlimit zero = {0, 0};
  return int_result(env, setrlimit(RLIMIT_CORE, &zero) == 0 ? 0 : errno);
#else
  return int_result(env, ENOSYS);
#endif
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor props[] = {
      {"lockMemory", NULL, lock_memory, NULL, NULL, NULL, napi_enumerable, NULL},
      {"disableDumpable", NULL, disable_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dumpable", NULL, dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"disableCoreDumps", NULL, disable_core_dumps, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
