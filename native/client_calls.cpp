#include "client_calls.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "completion_bridge.h"

namespace siphon {
namespace {

struct Inbox {
  int fd = -1;
  std::mutex mutex;
  std::vector<ClientOutcome> items;
};

struct BlockingWait {
  std::mutex mutex;
  std::condition_variable done;
  bool ready = false;
  ClientOutcome outcome;
};

// Where each in-flight call's outcome goes: an inbox id, or a blocked thread.
struct Destination {
  uint32_t inbox = 0;
  std::shared_ptr<BlockingWait> wait;
};

std::mutex g_mutex;
std::map<uint32_t, std::shared_ptr<Inbox>> g_inboxes;
std::map<uint32_t, Destination> g_calls;
uint32_t g_next_inbox = 1;
uint32_t g_next_call = 1;
std::atomic<uint32_t> g_next_client{1};

void Wake(int fd) {
  uint64_t one = 1;
  while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

void PushCall(uint32_t id, ClientCallSpec&& spec) {
  Completion c;
  c.kind = Completion::Kind::kClientCall;
  c.id = id;
  c.status = spec.timeout_ms;
  c.headers.reserve(3 + spec.headers.size());
  c.headers.push_back(std::move(spec.client));
  c.headers.push_back(std::move(spec.method));
  c.headers.push_back(std::move(spec.url));
  for (std::string& h : spec.headers) c.headers.push_back(std::move(h));
  c.body = std::move(spec.body);
  Bridge().Push(std::move(c));
}

}  // namespace

uint32_t OpenInbox(int* fd) {
  auto inbox = std::make_shared<Inbox>();
  inbox->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  *fd = inbox->fd;
  std::lock_guard<std::mutex> lock(g_mutex);
  uint32_t id = g_next_inbox++;
  g_inboxes[id] = std::move(inbox);
  return id;
}

std::vector<ClientOutcome> TakeInbox(uint32_t id) {
  std::shared_ptr<Inbox> inbox;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_inboxes.find(id);
    if (it == g_inboxes.end()) return {};
    inbox = it->second;
  }
  uint64_t count;
  while (read(inbox->fd, &count, sizeof(count)) < 0 && errno == EINTR) {
  }
  std::vector<ClientOutcome> out;
  std::lock_guard<std::mutex> lock(inbox->mutex);
  out.swap(inbox->items);
  return out;
}

uint32_t SendClientCall(ClientCallSpec&& spec, uint32_t inbox) {
  uint32_t id;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    id = g_next_call++;
    g_calls[id] = Destination{inbox, nullptr};
  }
  PushCall(id, std::move(spec));
  return id;
}

ClientOutcome CallClientBlocking(ClientCallSpec&& spec) {
  auto wait = std::make_shared<BlockingWait>();
  const int timeout_ms = spec.timeout_ms;
  uint32_t id;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    id = g_next_call++;
    g_calls[id] = Destination{0, wait};
  }
  PushCall(id, std::move(spec));
  std::unique_lock<std::mutex> lock(wait->mutex);
  // The JS side always answers (undici enforces timeout_ms); the margin only
  // guards against a host that is shutting down and will never answer.
  auto limit = std::chrono::milliseconds(timeout_ms) + std::chrono::seconds(30);
  if (!wait->done.wait_for(lock, limit, [&] { return wait->ready; })) {
    std::lock_guard<std::mutex> calls_lock(g_mutex);
    g_calls.erase(id);
    ClientOutcome lost;
    lost.call_id = id;
    lost.error_kind = "timeout";
    lost.message = "no answer from the host after " + std::to_string(timeout_ms) + " ms";
    return lost;
  }
  return std::move(wait->outcome);
}

void DeliverClientOutcome(ClientOutcome&& outcome) {
  Destination destination;
  std::shared_ptr<Inbox> inbox;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_calls.find(outcome.call_id);
    if (it == g_calls.end()) return;  // the waiter gave up
    destination = std::move(it->second);
    g_calls.erase(it);
    if (destination.inbox) {
      auto found = g_inboxes.find(destination.inbox);
      if (found != g_inboxes.end()) inbox = found->second;
    }
  }
  if (destination.wait) {
    std::lock_guard<std::mutex> lock(destination.wait->mutex);
    destination.wait->outcome = std::move(outcome);
    destination.wait->ready = true;
    destination.wait->done.notify_one();
    return;
  }
  if (!inbox) return;
  bool wake;
  {
    std::lock_guard<std::mutex> lock(inbox->mutex);
    wake = inbox->items.empty();
    inbox->items.push_back(std::move(outcome));
  }
  if (wake) Wake(inbox->fd);
}

uint32_t DefineInlineClient(std::string settings_json) {
  uint32_t id = g_next_client.fetch_add(1);
  Completion c;
  c.kind = Completion::Kind::kClientDefine;
  c.id = id;
  c.body = std::move(settings_json);
  Bridge().Push(std::move(c));
  return id;
}

void CloseInlineClient(uint32_t id) {
  Completion c;
  c.kind = Completion::Kind::kClientClose;
  c.id = id;
  Bridge().Push(std::move(c));
}

}  // namespace siphon
