// Starting the embedded interpreter once per process. Python's "main thread"
// is the JS thread, which releases the GIL at once and never runs Python
// again: every script runs on siphon's own threads, so Python cannot install
// signal handlers (Node owns signals) and the JS thread never waits for the GIL.
#pragma once
#include <string>

namespace siphon {

struct RuntimeOptions {
  std::string package_dir;  // directory holding the `siphon` Python package
  std::string venv;         // optional virtualenv whose site-packages scripts import
  int log_level = 20;
};

// JS thread. Returns an error description, or "" on success.
std::string StartPython(const RuntimeOptions& options);
bool PythonStarted();

// Facts about the embedded interpreter, for --version and logs.
std::string PythonVersion();
bool PythonIsFreeThreaded();

}  // namespace siphon
