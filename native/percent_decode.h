// URL decoding with exactly the semantics of Python's urllib.parse.unquote and
// parse_qsl(keep_blank_values=True), so the embedded runtime and the pure-Python
// test harness (siphon.testing) decode every input identically.
#pragma once
#include "py_ref.h"

#include <string>
#include <string_view>

namespace siphon {

// Bytes of `text` with each valid %XX replaced; invalid escapes kept as-is.
std::string PercentDecodeBytes(std::string_view text, bool plus_is_space);

// New str: decoded bytes read as UTF-8, invalid sequences replaced by U+FFFD.
PyObject* PercentDecodeToStr(std::string_view text, bool plus_is_space);

// New dict of the last value of each key in a raw query string.
PyObject* ParseQueryToDict(std::string_view query);

}  // namespace siphon
