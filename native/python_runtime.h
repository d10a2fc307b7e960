// Starting the embedded interpreter once per process. Python's "main thread"
// is the JS thread, which releases the GIL at once. It takes it back only to
// run an `async def` handler's first step inline while every worker is idle
// (inline_runner.cpp); siphon._bootstrap keeps scripts from installing signal
// handlers there (Node owns signals).
#pragma once
#include <string>

#include "py_ref.h"

namespace siphon {

struct RuntimeOptions {
  std::string package_dir;  // directory holding the `siphon` Python package
  std::string venv;         // optional virtualenv whose site-packages scripts import
  int log_level = 20;
};

// JS thread. Returns an error description, or "" on success.
std::string StartPython(const RuntimeOptions& options);
bool PythonStarted();

// The JS thread's Python thread state, released after start-up; the inline
// runner restores it to run Python on the JS thread.
PyThreadState* JsThreadState();

// Facts about the embedded interpreter, for --version and logs.
std::string PythonVersion();
bool PythonIsFreeThreaded();

}  // namespace siphon
