#include "TrainerController.h"

#include <QThread>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

#include <exception>
#include <string>
#include <utility>

namespace {

// Adapts the core's observer (called on the training thread) to the
// controller's signals. A signal emitted on the training thread reaches
// receivers living in other threads as a queued call with copied arguments,
// so the GUI only ever sees value snapshots.
class SignalObserver final : public fitbench::TrainingObserver {
 public:
  explicit SignalObserver(TrainerController* controller) : m_controller(controller) {}

  void on_start(const fitbench::RunInfo& info) override { emit m_controller->runStarted(info); }
  void on_batch_end(const fitbench::BatchStats& stats) override { emit m_controller->batchEnded(stats); }
  void on_epoch_end(const fitbench::EpochStats& stats) override { emit m_controller->epochEnded(stats); }
  void on_monitor(const fitbench::MonitorSnapshot& snapshot) override {
    emit m_controller->monitorSampled(snapshot);
  }
  void on_checkpoint(const fitbench::CheckpointInfo& info) override {
    emit m_controller->checkpointSaved(info);
  }
  void on_log(const std::string& line) override { emit m_controller->logLine(QString::fromStdString(line)); }
  // The core pauses the run as soon as this returns; the controller learns it
  // in its own thread, before the GUI hears of the event.
  void on_nonfinite(const fitbench::NonFiniteEvent& event) override {
    QMetaObject::invokeMethod(m_controller, "onNonFinite", Qt::QueuedConnection,
                              Q_ARG(fitbench::NonFiniteEvent, event));
  }
  // finished() is emitted once, after fit() has returned or thrown.
  void on_finish(const fitbench::FinishInfo& info) override {
    m_finish = info;
    m_hasFinish = true;
  }

  bool hasFinish() const { return m_hasFinish; }
  const fitbench::FinishInfo& finish() const { return m_finish; }

 private:
  TrainerController* m_controller;
  fitbench::FinishInfo m_finish;
  bool m_hasFinish = false;
};

// Training at full speed keeps every core busy. The training thread, and the
// OpenMP and data threads it starts (they inherit its niceness), give way to
// the GUI thread so the event loop is served promptly; on Linux niceness is
// per thread. Lowering one's own priority needs no privilege.
void yieldToTheGui() {
#ifdef __linux__
  constexpr int kTrainingNiceness = 10;
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kTrainingNiceness);
#endif
}

// What the worker reports when fit() throws: the FinishInfo of on_finish when
// the core sent one, with the exception's text as the error.
fitbench::FinishInfo failedRun(const SignalObserver& observer, const std::string& what) {
  fitbench::FinishInfo info = observer.hasFinish() ? observer.finish() : fitbench::FinishInfo{};
  info.completed = false;
  if (info.error.empty()) info.error = what.empty() ? std::string("training failed") : what;
  return info;
}

}  // namespace

TrainerController::TrainerController(QObject* parent) : RunSource(parent) { registerMetaTypes(); }

TrainerController::~TrainerController() { stopAndWait(); }

void TrainerController::registerMetaTypes() {
  qRegisterMetaType<fitbench::RunInfo>("fitbench::RunInfo");
  qRegisterMetaType<fitbench::BatchStats>("fitbench::BatchStats");
  qRegisterMetaType<fitbench::EpochStats>("fitbench::EpochStats");
  qRegisterMetaType<fitbench::MonitorSnapshot>("fitbench::MonitorSnapshot");
  qRegisterMetaType<fitbench::CheckpointInfo>("fitbench::CheckpointInfo");
  qRegisterMetaType<fitbench::FinishInfo>("fitbench::FinishInfo");
  qRegisterMetaType<fitbench::NonFiniteEvent>("fitbench::NonFiniteEvent");
}

bool TrainerController::start(const fitbench::FitArgs& args) {
  if (m_running) return false;
  if (m_thread) {  // the previous run's thread has ended (onWorkerFinished waited for it)
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
  }

  auto control = std::make_shared<fitbench::TrainingControl>();
  m_control = control;
  m_running = true;
  m_paused = false;

  const std::string runDir = m_runDir.toStdString();
  m_thread = QThread::create([this, args, control, runDir] {
    yieldToTheGui();
    SignalObserver observer(this);
    fitbench::FitOptions options;
    options.observer = &observer;
    options.control = control.get();
    options.log_to_stderr = false;
    options.run_dir = runDir;
    // A person is here to choose: pause on a diverged batch rather than stop.
    options.pause_on_nonfinite = true;

    fitbench::FinishInfo info;
    try {
      info = fitbench::fit(args, options);
    } catch (const std::exception& e) {  // fitbench::Error, and anything else: never a crash
      info = failedRun(observer, e.what());
    } catch (...) {
      info = failedRun(observer, "training failed with an unknown exception");
    }
    // Runs on the controller's thread once the event loop gets to it; dropped
    // if the controller is destroyed first.
    QMetaObject::invokeMethod(
        this, [this, info] { onWorkerFinished(info); }, Qt::QueuedConnection);
  });
  m_thread->setParent(this);
  m_thread->setObjectName(QStringLiteral("fitbench-trainer"));
  m_thread->start();
  return true;
}

void TrainerController::stop() {
  if (m_running && m_control) m_control->stop();
}

void TrainerController::pause() {
  if (!m_running || !m_control || m_paused) return;
  m_control->pause();
  m_paused = true;
  emit pausedChanged(true);
}

void TrainerController::resume() {
  if (!m_running || !m_control || !m_paused) return;
  m_control->resume();
  m_paused = false;
  emit pausedChanged(false);
}

void TrainerController::requestSave() {
  if (m_running && m_control) m_control->request_save();
}

void TrainerController::stopAndSave() {
  if (m_running && m_control) m_control->stop_and_save();
}

void TrainerController::setLearningRate(double lr) {
  if (m_running && m_control) m_control->set_learning_rate(lr);
}

void TrainerController::stopAndWait() {
  if (!m_thread) return;
  if (m_control) m_control->stop();
  m_thread->wait();
}

void TrainerController::onNonFinite(const fitbench::NonFiniteEvent& event) {
  if (!m_running) return;
  // The core has paused (or is about to pause) the run itself.
  if (!m_paused) {
    m_paused = true;
    emit pausedChanged(true);
  }
  emit nonFiniteFound(event);
}

void TrainerController::onWorkerFinished(const fitbench::FinishInfo& info) {
  if (m_thread) m_thread->wait();  // the worker is past its last statement
  const bool wasPaused = m_paused;
  m_running = false;
  m_paused = false;
  if (wasPaused) emit pausedChanged(false);
  emit finished(info);
}
