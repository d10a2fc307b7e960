#include "percent_decode.h"

namespace siphon {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecodeBytes(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

PyObject* PercentDecodeToStr(std::string_view text, bool plus_is_space) {
  std::string bytes = PercentDecodeBytes(text, plus_is_space);
  return PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "replace");
}

PyObject* ParseQueryToDict(std::string_view query) {
  PyRef dict = PyRef::Steal(PyDict_New());
  if (!dict) return nullptr;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;  // parse_qsl skips empty fields
    size_t eq = pair.find('=');
    std::string_view raw_name = eq == std::string_view::npos ? pair : pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    PyRef name = PyRef::Steal(PercentDecodeToStr(raw_name, true));
    if (!name) return nullptr;
    // A repeated key: the last value wins (the Rust siphon-http does so); all are in query_string.
    PyRef value = PyRef::Steal(PercentDecodeToStr(raw_value, true));
    if (!value || PyDict_SetItem(dict.get(), name.get(), value.get()) < 0) return nullptr;
  }
  return dict.release();
}

}  // namespace siphon
