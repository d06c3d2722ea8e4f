// RunViews: the window's central area, where a run shows itself. Its progress
// (RunProgressView) and the banner of a run that diverged (NonFiniteBanner)
// over tabs of live views, the charts (TrainingCharts), the learning rate
// (LrScheduleEditor) and the parameter monitor (MonitorView), and the run's
// log (RunLogView) under them. A run reports far faster than anyone reads:
// its batches and log lines are collected, and drawn in one go every 40 ms
// while it goes on, so the event loop stays free. The last run stays in
// sight until the next has started. The in-process trainer can also pause,
// sample parameters and stop on non-finite values: the views follow that too,
// and the banner's Resume and Stop go to it.
#pragma once

#include <QList>
#include <QPointF>
#include <QWidget>

#include "fitbench/fit_config.h"
#include "fitbench/observer.h"

class LrScheduleEditor;
class MonitorView;
class NonFiniteBanner;
class QTabWidget;
class QTimer;
class RunLogView;
class RunProgressView;
class RunSource;
class TrainerController;
class TrainingCharts;

class RunViews : public QWidget {
  Q_OBJECT

 public:
  explicit RunViews(QWidget* parent = nullptr);

  RunProgressView* progressView() const { return m_progressView; }
  NonFiniteBanner* nonFiniteBanner() const { return m_nonFiniteBanner; }
  TrainingCharts* charts() const { return m_charts; }
  LrScheduleEditor* lrEditor() const { return m_lrEditor; }
  MonitorView* monitorView() const { return m_monitorView; }
  RunLogView* log() const { return m_log; }
  // Brings one of the tabs (the charts, the learning rate, the monitor) to the front.
  void showTab(QWidget* tab);
  // A view of its own beside them (the workspace's runs).
  void addTab(QWidget* view, const QString& title);

  // Shows the batches, epochs and log lines of every run of `source`.
  void follow(RunSource* source);
  // And what only the in-process trainer reports: a pause, the monitor's
  // samples, the non-finite values it paused on.
  void followTrainer(TrainerController* trainer);

  // Start was pressed for `config`: the collected updates are drawn from now on.
  void prepareRun(const fitbench::FitConfig& config);
  // The run has started: the last run's views are cleared for it.
  void startRun(const fitbench::RunInfo& info);
  void addBatch(const fitbench::BatchStats& stats);
  void addEpoch(const fitbench::EpochStats& stats);
  // Draws what is left, and ends the log with the run's summary; a failed
  // run's error also in a message box.
  void finishRun(const fitbench::FinishInfo& info);

 signals:
  // The learning rate of the latest batch drawn.
  void learningRateShown(double rate);
  // The banner resumed the run with this rate.
  void learningRateChosen(double rate);

 private:
  void flush();
  // The run paused on non-finite values: the banner offers --lr / 10, the monitor shows the layer at fault.
  void showNonFinite(const fitbench::NonFiniteEvent& event);

  RunProgressView* m_progressView = nullptr;
  NonFiniteBanner* m_nonFiniteBanner = nullptr;
  QTabWidget* m_tabs = nullptr;
  TrainingCharts* m_charts = nullptr;
  LrScheduleEditor* m_lrEditor = nullptr;
  MonitorView* m_monitorView = nullptr;
  RunLogView* m_log = nullptr;
  QTimer* m_flushTimer = nullptr;
  // Collected between two flushes (the charts, the progress and the log keep their own).
  QList<QPointF> m_pendingLr;  // (epoch, actual learning rate)
  double m_lr = 0.0;           // the run's --lr
};
