// A thread for the work that is not a request: importing the script,
// running @http.on_startup / @http.on_shutdown hooks. Each task's outcome
// reaches JS as a ControlDoneMessage carrying the id Post() returned.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "host_messages.h"

namespace siphon {

class ScriptGeneration;

class ControlThread {
 public:
  void Start();
  // `task` runs with the GIL held and fills `ok` and `payload`.
  uint32_t Post(std::function<void(ControlDoneMessage&)> task);

  // Every loaded generation not yet retired, by the control id that loaded
  // it: a candidate waiting for activation, the serving one, and a replaced
  // one whose on_shutdown hooks have not run yet.
  void Keep(uint32_t id, std::shared_ptr<ScriptGeneration> generation);
  std::shared_ptr<ScriptGeneration> Find(uint32_t id);
  void Retire(uint32_t id);

 private:
  void Main();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<uint32_t, std::function<void(ControlDoneMessage&)>>> tasks_;
  std::map<uint32_t, std::shared_ptr<ScriptGeneration>> generations_;
  uint32_t next_id_ = 1;
  std::thread thread_;
};

ControlThread& Control();

}  // namespace siphon
