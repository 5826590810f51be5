// A tiny task scheduler: the C++ side of the demo workspace.
#include <functional>
#include <queue>
#include <string>
#include <vector>

namespace demo {

struct Task {
    std::string name;
    int priority;
};

class Scheduler {
public:
    explicit Scheduler(int limit) : limit_(limit) {}

    bool submit(const Task &task) {
        if (static_cast<int>(tasks_.size()) >= limit_) {
            return false;
        }
        tasks_.push_back(task);
        return true;
    }

    int run(const std::function<void(const Task &)> &worker);

private:
    std::vector<Task> tasks_;
    int limit_;
};

int Scheduler::run(const std::function<void(const Task &)> &worker) {
    int done = 0;
    for (const Task &task : tasks_) {
        worker(task);
        ++done;
    }
    tasks_.clear();
    return done;
}

template <typename T>
T clamp_priority(T value, T low, T high) {
    return value < low ? low : (value > high ? high : value);
}

}  // namespace demo

int main() {
    demo::Scheduler scheduler(8);
    scheduler.submit(demo::Task{"build", demo::clamp_priority(3, 0, 5)});
    return scheduler.run([](const demo::Task &) {}) == 1 ? 0 : 1;
}
