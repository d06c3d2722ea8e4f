// RunSource: a training run the application follows and steers, whatever
// runs it: fit() on a worker thread (TrainerController) or worker processes
// under mpirun (ProcessTrainer). The main window connects to this one
// interface; what a source cannot do (a run of processes takes no pause, no
// save and no new rate: fitbench-cli under mpirun only listens for an
// interrupt) it says through canPause(), canSave() and canSetLr().
#pragma once

#include <QObject>
#include <QString>

#include "fitbench/observer.h"

class RunSource : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;

  // True from the start of a run until finished() has been emitted.
  virtual bool isRunning() const = 0;
  virtual bool isPaused() const { return false; }
  virtual bool canPause() const = 0;
  // A checkpoint on request (requestSave) and a stop that saves (stopAndSave).
  virtual bool canSave() const = 0;
  virtual bool canSetLr() const = 0;

 public slots:
  // Ends the run after the current batch.
  virtual void stop() = 0;
  virtual void pause() {}
  virtual void resume() {}
  virtual void requestSave() {}
  virtual void stopAndSave() { stop(); }
  virtual void setLearningRate(double) {}

 signals:
  void runStarted(const fitbench::RunInfo& info);
  void batchEnded(const fitbench::BatchStats& stats);
  void epochEnded(const fitbench::EpochStats& stats);
  void checkpointSaved(const fitbench::CheckpointInfo& info);
  void logLine(const QString& line);
  // Exactly once per start: the run completed, was stopped, or failed
  // (FinishInfo::error holds the message).
  void finished(const fitbench::FinishInfo& info);
};
