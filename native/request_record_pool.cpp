#include "request_record_pool.h"

#include <mutex>
#include <vector>

#include "script_generation.h"

namespace siphon {
namespace {

// Beyond these the pool frees instead of keeping: it must not hold on to the
// memory of a past burst or of one huge upload.
constexpr size_t kMaxPooled = 4096;
constexpr size_t kMaxKeptBody = 64 * 1024;

std::mutex g_mutex;
std::vector<RequestRecord*> g_returned;   // filled by workers
std::vector<RequestRecord*> g_js_cache;   // JS thread only

}  // namespace

std::unique_ptr<RequestRecord> AcquireRecord() {
  if (g_js_cache.empty()) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_js_cache.swap(g_returned);
  }
  if (g_js_cache.empty()) return std::make_unique<RequestRecord>();
  RequestRecord* record = g_js_cache.back();
  g_js_cache.pop_back();
  return std::unique_ptr<RequestRecord>(record);
}

void RecycleRecord(RequestRecord* record) {
  if (!record) return;
  record->script.reset();
  record->method.clear();
  record->path.clear();
  record->query.clear();
  record->headers.clear();
  record->params.clear();
  if (record->body.capacity() > kMaxKeptBody) {
    std::string().swap(record->body);
  } else {
    record->body.clear();
  }
  record->peer = PeerAddress();
  record->client_override.clear();
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_returned.size() < kMaxPooled) {
      g_returned.push_back(record);
      return;
    }
  }
  delete record;
}

}  // namespace siphon
