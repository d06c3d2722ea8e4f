// TrainerController: the RunSource that runs fitbench::fit() on a worker thread it owns and
// turns the core's TrainingObserver callbacks into queued Qt signals that
// carry value snapshots. Commands go to the run's fitbench::TrainingControl,
// which the training loop checks at batch boundaries: stop, pause, resume,
// save a checkpoint at the end of the epoch, stop and save the epoch so far,
// change the learning rate.
#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>

#include "RunSource.h"
#include "fitbench/fit.h"
#include "fitbench/fit_args.h"
#include "fitbench/observer.h"

class QThread;

Q_DECLARE_METATYPE(fitbench::RunInfo)
Q_DECLARE_METATYPE(fitbench::BatchStats)
Q_DECLARE_METATYPE(fitbench::EpochStats)
Q_DECLARE_METATYPE(fitbench::MonitorSnapshot)
Q_DECLARE_METATYPE(fitbench::CheckpointInfo)
Q_DECLARE_METATYPE(fitbench::FinishInfo)
Q_DECLARE_METATYPE(fitbench::NonFiniteEvent)

class TrainerController : public RunSource {
  Q_OBJECT

 public:
  explicit TrainerController(QObject* parent = nullptr);
  // Stops a run in progress and waits for its thread.
  ~TrainerController() override;

  TrainerController(const TrainerController&) = delete;
  TrainerController& operator=(const TrainerController&) = delete;

  // Registers the fitbench value types with Qt's meta-type system (queued
  // signals copy them). The constructor calls it; it is idempotent.
  static void registerMetaTypes();

  bool isRunning() const override { return m_running; }
  bool isPaused() const override { return m_paused; }
  bool canPause() const override { return true; }
  bool canSave() const override { return true; }
  bool canSetLr() const override { return true; }

  // The directory the run writes to; empty: fit() picks runs/<network>-<time>.
  void setRunDir(const QString& dir) { m_runDir = dir; }
  QString runDir() const { return m_runDir; }

 public slots:
  // Starts fit(args) on the worker thread. Returns false (and does nothing)
  // while a run is in progress.
  bool start(const fitbench::FitArgs& args);
  // Ends the run after the current batch (also releases a pause).
  void stop() override;
  void pause() override;
  void resume() override;
  // A checkpoint at the end of the current epoch, whatever --save-period says
  // (the run must have a --model-prefix); a stop before then saves the epoch
  // so far as a partial checkpoint. Ignored when no run goes on.
  void requestSave() override;
  // Ends the run after the current batch with its weights and optimizer state
  // saved (fitbench::TrainingControl::stop_and_save()): finished() comes once
  // the checkpoint is on disk. Also releases a pause.
  void stopAndSave() override;
  // The learning rate of the next updates; with an lr scheduler it becomes
  // the scheduler's new base rate. Ignored when no run goes on.
  void setLearningRate(double lr) override;
  // Stops the run and blocks until its thread has ended. Queued signals of the
  // run are still delivered afterwards by the event loop.
  void stopAndWait();

 signals:
  // Besides RunSource's:
  void monitorSampled(const fitbench::MonitorSnapshot& snapshot);
  void pausedChanged(bool paused);
  // A batch's loss or gradient went NaN or infinite (--on-nonfinite stop): the
  // run is paused. resume() goes on from the weights at the start of the epoch
  // (after setLearningRate(), as a rule); stop() ends the run as diverged.
  void nonFiniteFound(const fitbench::NonFiniteEvent& event);

 private slots:
  // Queued from the training thread by name (the observer is not a friend).
  void onNonFinite(const fitbench::NonFiniteEvent& event);

 private:
  void onWorkerFinished(const fitbench::FinishInfo& info);

  QThread* m_thread = nullptr;  // child of this; one per run
  std::shared_ptr<fitbench::TrainingControl> m_control;
  QString m_runDir;
  bool m_running = false;
  bool m_paused = false;
};
