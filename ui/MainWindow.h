// MainWindow: the fitbench application window. Start / Pause / Stop drive a
// TrainerController; its signals are collected and applied to the widgets in
// one go every 40 ms, so the event loop stays free however fast training runs.
#pragma once

#include <QList>
#include <QMainWindow>
#include <QPointF>
#include <QStringList>

#include "fitbench/fit_args.h"
#include "fitbench/observer.h"

class QChartView;
class QLabel;
class QLineSeries;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;
class QValueAxis;
class TrainerController;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // The default experiment: train_mnist.py's defaults with lenet on
  // Fashion-MNIST, batch 64, lr 0.05, 3 epochs, a Speedometer line every 100
  // batches, checkpoints under runs/default/lenet (as scripts/run.sh runs
  // fitbench-cli). Throws fitbench::ArgError if the schema rejects it.
  static fitbench::FitArgs defaultExperiment();

  explicit MainWindow(const fitbench::FitArgs& args = defaultExperiment(), QWidget* parent = nullptr);
  ~MainWindow() override;

  const fitbench::FitArgs& args() const { return m_args; }
  void setArgs(const fitbench::FitArgs& args);
  TrainerController* controller() const { return m_controller; }

 public slots:
  void startTraining();
  void togglePause();
  void stopTraining();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildUi();
  void updateButtons();
  void onRunStarted(const fitbench::RunInfo& info);
  void onBatchEnded(const fitbench::BatchStats& stats);
  void onEpochEnded(const fitbench::EpochStats& stats);
  void onLogLine(const QString& line);
  void onFinished(const fitbench::FinishInfo& info);
  void flushPending();  // the 40 ms coalescing timer
  void resetChart(double firstEpoch, double lastEpoch);

  fitbench::FitArgs m_args;
  TrainerController* m_controller = nullptr;

  QPushButton* m_startButton = nullptr;
  QPushButton* m_pauseButton = nullptr;
  QPushButton* m_stopButton = nullptr;
  QProgressBar* m_progress = nullptr;
  QLabel* m_statusLabel = nullptr;
  QChartView* m_chartView = nullptr;
  QLineSeries* m_lossSeries = nullptr;
  QLineSeries* m_valAccSeries = nullptr;
  QValueAxis* m_axisEpoch = nullptr;
  QValueAxis* m_axisLoss = nullptr;
  QValueAxis* m_axisAccuracy = nullptr;
  QPlainTextEdit* m_log = nullptr;
  QTimer* m_flushTimer = nullptr;

  // Collected between two timer ticks.
  QList<QPointF> m_pendingLoss;
  QList<QPointF> m_pendingAccuracy;
  QStringList m_pendingLog;
  fitbench::BatchStats m_lastBatch;
  bool m_haveBatch = false;

  int m_numEpochs = 0;
  double m_maxLoss = 0.0;
};
