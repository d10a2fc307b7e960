#include "python_runtime.h"

#include <dlfcn.h>
#include <signal.h>

#include <vector>

#include "async_loop.h"
#include "handler_result.h"
#include "host_log.h"
#include "py_module.h"
#include "py_ref.h"

#ifndef SIPHON_LIBPYTHON
#error "SIPHON_LIBPYTHON must name the libpython the addon links (set by the build)"
#endif
#ifndef SIPHON_PYTHON_EXECUTABLE
#error "SIPHON_PYTHON_EXECUTABLE must name the interpreter the addon was built for"
#endif

namespace siphon {
namespace {

bool g_started = false;
PyThreadState* g_js_thread_state = nullptr;

// Signals whose disposition Node (libuv) may own. Python must not keep any
// handler it installs for them during start-up.
const int kHostSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD, SIGWINCH};

std::string StatusText(const PyStatus& status) {
  std::string text = status.err_msg ? status.err_msg : "unknown error";
  if (status.func) text = std::string(status.func) + ": " + text;
  return text;
}

std::string RunStartupPython(const RuntimeOptions& options) {
  PyRef sys_path = PyRef::Borrow(PySys_GetObject("path"));  // borrowed by PySys_GetObject
  PyRef package_dir = PyRef::Steal(PyUnicode_DecodeFSDefault(options.package_dir.c_str()));
  if (!sys_path || !package_dir || PyList_Insert(sys_path.get(), 0, package_dir.get()) < 0) {
    return "cannot put the siphon package on sys.path: " + TakeExceptionText();
  }
  PyRef bootstrap = PyRef::Steal(PyImport_ImportModule("siphon._bootstrap"));
  PyRef configured = bootstrap ? PyRef::Steal(PyObject_CallMethod(bootstrap.get(), "configure", "s",
                                                                  options.venv.c_str()))
                               : PyRef();
  if (!configured) {
    std::string what = options.venv.empty() ? "cannot set up Python" : "cannot use virtualenv " + options.venv;
    return what + ": " + TakeExceptionText();
  }
  // Imported now, while the host's signal handlers are restored right after:
  // importing `signal` later (asyncio does) can then change nothing.
  PyRef signal_module = PyRef::Steal(PyImport_ImportModule("signal"));
  if (!signal_module) return "cannot import signal: " + TakeExceptionText();
  PyRef native = PyRef::Steal(PyImport_ImportModule("siphon._native"));
  if (!native) return "cannot import siphon._native: " + TakeExceptionText();
  if (!InitHandlerResults()) return "cannot import siphon: " + TakeExceptionText();
  if (!InitAsyncLoops(native.get())) return "cannot prepare asyncio loops: " + TakeExceptionText();
  return "";
}

}  // namespace

bool PythonStarted() { return g_started; }

PyThreadState* JsThreadState() { return g_js_thread_state; }

std::string PythonVersion() { return Py_GetVersion(); }

bool PythonIsFreeThreaded() {
#ifdef Py_GIL_DISABLED
  return true;
#else
  return false;
#endif
}

std::string StartPython(const RuntimeOptions& options) {
  if (g_started) return "";
  // Node loads addons RTLD_LOCAL; C extension modules (_json, _ssl, numpy...)
  // resolve Python's C API from the global scope, so promote libpython there.
  // Only libpython: the addon's own symbols stay private.
  if (!dlopen(SIPHON_LIBPYTHON, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) &&
      !dlopen(SIPHON_LIBPYTHON, RTLD_NOW | RTLD_GLOBAL)) {
    return std::string("cannot load ") + SIPHON_LIBPYTHON + ": " + dlerror();
  }
  SetHostLogLevel(options.log_level);
  // A built-in submodule of the siphon package (BuiltinImporter finds dotted
  // names), so Python code reaches it as siphon._native like any other part.
  if (PyImport_AppendInittab("siphon._native", &PyInitNativeModule) < 0) {
    return "cannot register the siphon._native module";
  }

  std::vector<struct sigaction> saved(sizeof(kHostSignals) / sizeof(kHostSignals[0]));
  for (size_t i = 0; i < saved.size(); i++) sigaction(kHostSignals[i], nullptr, &saved[i]);

  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.install_signal_handlers = 0;
  config.parse_argv = 0;
  config.buffered_stdio = 0;  // print() from scripts shows up at once, in order
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, SIPHON_PYTHON_EXECUTABLE);
  char* argv[] = {const_cast<char*>("siphon")};
  if (!PyStatus_Exception(status)) status = PyConfig_SetBytesArgv(&config, 1, argv);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) return "cannot start Python: " + StatusText(status);

  std::string error = RunStartupPython(options);
  for (size_t i = 0; i < saved.size(); i++) sigaction(kHostSignals[i], &saved[i], nullptr);
  // From here on the JS thread holds the GIL only for inline first steps.
  g_js_thread_state = PyEval_SaveThread();
  if (!error.empty()) return error;
  g_started = true;
  return "";
}

}  // namespace siphon
