// Log lines from native code and from scripts travel to the host logger on
// the JS thread (src/log.ts) through the completion bridge, so there is one
// format, one level filter and one output stream for the whole process.
#pragma once
#include <string>

#include "py_ref.h"

namespace siphon {

enum class LogLevel : int { kDebug = 10, kInfo = 20, kWarn = 30, kError = 40 };

void SetHostLogLevel(int level);
int HostLogLevel();

void LogToHost(LogLevel level, const std::string& target, const std::string& message);

// Formats the pending Python exception with its traceback and clears it.
// GIL held. Never fails: a formatting error yields a shorter text.
std::string TakeExceptionText();

}  // namespace siphon
