// RunProgressView: the lines above the charts that say how a run goes. A bar
// of the epoch's batches and one of the run's epochs, each with the time left
// at the recent rate, and a status line: samples/s and the learning rate
// while it trains, what a stop is waiting for, and the summary once it ends;
// beside it, for a run of worker processes, the host of each rank.
// Batches arrive far faster than anyone reads: addBatch() only keeps the
// latest, and flush() (RunViews' 40 ms timer) draws it.
#pragma once

#include <QString>
#include <QWidget>

#include <algorithm>

#include "fitbench/fit_config.h"
#include "fitbench/observer.h"

class ElidedLabel;
class QProgressBar;

class RunProgressView : public QWidget {
  Q_OBJECT

 public:
  explicit RunProgressView(QWidget* parent = nullptr);

  // Of the run going on (or the last one): the epoch in progress (0-based;
  // after the last epoch's end, that epoch) and how many it trains.
  int epochInProgress() const { return std::max(0, std::min(m_epochInProgress, m_numEpochs - 1)); }
  int numEpochs() const { return m_numEpochs; }

  // Start was pressed for `config`; the run has not started yet.
  void prepareRun(const fitbench::FitConfig& config);
  void startRun(const fitbench::RunInfo& info);
  void addBatch(const fitbench::BatchStats& stats);
  void addEpoch(const fitbench::EpochStats& stats);
  // Draws the latest batch, if one came since the last flush.
  void flush();
  // A stop was asked: `status` stays in the status line until the run ends.
  void showStopping(const QString& status);
  // Paused, or resumed: the bar and the status line say so until it resumes.
  void showPaused(bool paused);
  // The run paused on non-finite values; the next batch's progress replaces this.
  void showDiverged(const fitbench::NonFiniteEvent& event);
  // Shows how the run ended and returns that summary.
  QString finishRun(const fitbench::FinishInfo& info);
  // Where the ranks run (ProcessTrainer::hostsChanged()); "" hides it.
  void showHosts(const QString& hosts);

 private:
  // The bars' plain "batch 3 / 937" texts, without the time left.
  void showCounts();
  void showPausedAt();

  QProgressBar* m_batchProgress = nullptr;  // batches of the epoch
  QProgressBar* m_epochProgress = nullptr;  // epochs of the run
  ElidedLabel* m_status = nullptr;
  ElidedLabel* m_hosts = nullptr;

  fitbench::BatchStats m_lastBatch;
  bool m_haveBatch = false;  // m_lastBatch is not drawn yet
  int m_numEpochs = 0;
  int m_batchSize = 0;
  int m_epochInProgress = 0;
  bool m_stopRequested = false;
  bool m_paused = false;
};
