#include "host_calls.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "eventfd.h"
#include "host_bridge.h"

namespace siphon {
namespace {

struct Inbox {
  int fd = -1;
  std::mutex mutex;
  std::vector<HostCallOutcome> items;
};

struct BlockingWait {
  std::mutex mutex;
  std::condition_variable done;
  bool ready = false;
  HostCallOutcome outcome;
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

void PushCall(uint32_t id, HostCallSpec&& spec) {
  HostCallMessage m;
  m.call_id = id;
  m.timeout_ms = spec.timeout_ms;
  m.service = std::move(spec.service);
  m.args = std::move(spec.args);
  m.body = std::move(spec.body);
  Bridge().Push(std::move(m));
}

}  // namespace

uint32_t OpenInbox(int* fd) {
  auto inbox = std::make_shared<Inbox>();
  inbox->fd = NewEventFd();
  *fd = inbox->fd;
  std::lock_guard<std::mutex> lock(g_mutex);
  uint32_t id = g_next_inbox++;
  g_inboxes[id] = std::move(inbox);
  return id;
}

std::vector<HostCallOutcome> TakeInbox(uint32_t id) {
  std::shared_ptr<Inbox> inbox;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_inboxes.find(id);
    if (it == g_inboxes.end()) return {};
    inbox = it->second;
  }
  ResetEventFd(inbox->fd);
  std::vector<HostCallOutcome> out;
  std::lock_guard<std::mutex> lock(inbox->mutex);
  out.swap(inbox->items);
  return out;
}

uint32_t SendHostCall(HostCallSpec&& spec, uint32_t inbox) {
  uint32_t id;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    id = g_next_call++;
    g_calls[id] = Destination{inbox, nullptr};
  }
  PushCall(id, std::move(spec));
  return id;
}

HostCallOutcome CallHostBlocking(HostCallSpec&& spec) {
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
  // The JS side always answers (each service enforces its limit); the margin only
  // guards against a host that is shutting down and will never answer. With
  // no limit given, the service applies a configured one only JS knows.
  if (timeout_ms <= 0) {
    wait->done.wait(lock, [&] { return wait->ready; });
    return std::move(wait->outcome);
  }
  auto limit = std::chrono::milliseconds(timeout_ms) + std::chrono::seconds(30);
  if (!wait->done.wait_for(lock, limit, [&] { return wait->ready; })) {
    std::lock_guard<std::mutex> calls_lock(g_mutex);
    g_calls.erase(id);
    HostCallOutcome lost;
    lost.call_id = id;
    lost.error_kind = "timeout";
    lost.message = "no answer from the host after " + std::to_string(timeout_ms) + " ms";
    return lost;
  }
  return std::move(wait->outcome);
}

void DeliverHostCallOutcome(HostCallOutcome&& outcome) {
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
  if (wake) WakeEventFd(inbox->fd);
}

uint32_t DefineInlineClient(std::string settings_json) {
  uint32_t id = g_next_client.fetch_add(1);
  Bridge().Push(ClientDefineMessage{id, std::move(settings_json)});
  return id;
}

void CloseInlineClient(uint32_t id) {
  Bridge().Push(ClientCloseMessage{id});
}

}  // namespace siphon
