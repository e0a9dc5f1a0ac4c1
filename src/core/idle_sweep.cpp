#include "tcpkit/core/idle_sweep.hpp"

#include <algorithm>

namespace tcpkit {

struct idle_sweep::state {
  idle_sweep* owner;             // null once the sweep is gone: then only unlinking is left
  idle_watch* first = nullptr;
  bool waiting = false;          // a wait of owner->timer_ is outstanding, due at `due`
  clock::time_point due{};
  bool winding_down = false;     // wind_down() was called
};

idle_sweep::idle_sweep(const asio::any_io_executor& executor, clock::duration tick)
    : timer_(executor), tick_(tick), state_(std::make_shared<state>(state{this})) {}

idle_sweep::~idle_sweep() { state_->owner = nullptr; }  // the timer's destruction cancels its wait

clock::duration idle_sweep::tick_for(clock::duration timeout) noexcept {
  return std::clamp<clock::duration>(timeout / 10, std::chrono::milliseconds(10), std::chrono::seconds(1));
}

void idle_sweep::arm(clock::time_point at) {
  state& s = *state_;
  if (s.waiting && s.due <= at) return;
  // Re-arming cancels the outstanding wait: its handler sees operation_aborted and leaves the
  // sweep to this one.
  timer_.expires_at(at);
  s.due = at;
  s.waiting = true;
  timer_.async_wait([shared = state_](const std::error_code& ec) {
    if (shared->owner == nullptr || ec == asio::error::operation_aborted) return;
    shared->waiting = false;
    shared->owner->sweep();
  });
}

void idle_sweep::sweep() {
  const auto now = clock::now();
  for (idle_watch* w = state_->first; w != nullptr;) {
    idle_watch* const next = w->next_;  // emitting only cancels operations: nothing ends inside emit()
    const idle_deadline& d = w->deadline_;
    if (!w->fired_ && (d.stopped_ || d.has_expired(now))) {
      w->fired_ = true;
      w->cancel_.emit(asio::cancellation_type::all);
    }
    w = next;
  }
  if (state_->first != nullptr) arm(now + tick_);
}

idle_watch::idle_watch(idle_sweep& sweep, idle_deadline& deadline, asio::cancellation_signal& cancel)
    : sweep_(sweep.state_), deadline_(deadline), cancel_(cancel) {
  if (deadline_.stopped_) {
    sweep.arm(clock::now());  // expire_now() came before the watch
  } else if (!sweep_->waiting) {
    sweep.arm(clock::now() + sweep.tick_);
  }
  next_ = sweep_->first;  // linked last: nothing above that can throw leaves it in the list
  if (next_ != nullptr) next_->prev_ = this;
  sweep_->first = this;
  deadline_.watch_ = this;
}

idle_watch::~idle_watch() {
  deadline_.watch_ = nullptr;
  if (prev_ != nullptr) {
    prev_->next_ = next_;
  } else {
    sweep_->first = next_;
  }
  if (next_ != nullptr) next_->prev_ = prev_;
  // The timer ticks on when the last watch goes (the next session, often a moment later, finds
  // it armed), and stops at the next tick, unless the sweep is winding down: then at once.
  if (sweep_->winding_down && sweep_->owner != nullptr) sweep_->owner->stop_when_empty();
}

void idle_sweep::wind_down() {
  state_->winding_down = true;
  stop_when_empty();
}

void idle_sweep::stop_when_empty() {
  if (state_->first != nullptr || !state_->waiting) return;
  state_->waiting = false;
  timer_.cancel();
}

void idle_watch::expire_soon() {
  if (sweep_->owner != nullptr) sweep_->owner->arm(clock::now());
}

}  // namespace tcpkit
