// The header rules a Response must keep, in one place for the native side:
// py_response.cpp applies them when a script builds a Response, and
// handler_result.cpp again when the handler returns one (it may have been
// changed since). python/siphon/_response.py holds the same rules for plain
// interpreters; test/unit/header-rules checks the two agree on every byte.
#pragma once
#include <cstddef>

namespace siphon {

// RFC 9110 §5.6.2 token characters (header names).
inline bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

inline bool IsHeaderName(const char* text, size_t size) {
  if (size == 0) return false;
  for (size_t i = 0; i < size; i++) {
    if (!IsTokenChar(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// CR, LF and NUL would split or end the header line. Other control
// characters are refused on the wire (src/server/response-checks.ts).
inline bool IsHeaderValue(const char* text, size_t size) {
  for (size_t i = 0; i < size; i++) {
    if (text[i] == '\r' || text[i] == '\n' || text[i] == '\0') return false;
  }
  return true;
}

}  // namespace siphon
