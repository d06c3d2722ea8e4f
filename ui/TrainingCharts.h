// TrainingCharts: the live charts of a run, arranged in a grid: loss (per
// batch, smoothed, and any per-epoch loss metric), accuracy (train and
// validation per epoch, top-k when asked for), learning rate and throughput,
// all against iterations or, switched together, epochs (each run's updates
// over its own updates per epoch). Above them: the smoothing control and the
// best epoch. Its actions() switch the x axis, overlay earlier runs and
// export every series as CSV (each chart's context menu holds them too).
// The x axis, the smoothing and each chart's log scale are kept in QSettings
// ("charts/...") as they change, and restored by the next TrainingCharts.
// Observer snapshots are collected as they come and drawn on flush(), which
// RunViews calls from its coalescing timer. A run of several worker
// processes adds one throughput series per rank ("rank 1 samples/s").
#pragma once

#include <QMap>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <optional>

#include "MetricChart.h"
#include "RunMetrics.h"
#include "RunOverlay.h"
#include "fitbench/observer.h"

class ElidedLabel;
class QAction;
class QLabel;
class QSlider;
class SeriesStore;

class TrainingCharts : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingCharts(QWidget* parent = nullptr);

  SeriesStore* store() const { return m_store; }
  MetricChart* chart(RunMetrics::Chart which) const;
  QList<MetricChart*> charts() const { return m_charts; }

  // A new run starts: removes the live series (overlays stay).
  void clearRun();
  void addBatch(const fitbench::BatchStats& stats);
  void addEpoch(const fitbench::EpochStats& stats);
  // Worker `rank`'s samples/s of a batch, on the throughput chart.
  void addRankBatch(int rank, const fitbench::BatchStats& stats);
  // The series name of worker `rank`'s throughput.
  static QString rankThroughput(int rank);
  // Moves what was added since the last call into the store and redraws.
  void flush();

  // 0..0.99, as the slider sets it.
  void setSmoothing(double weight);
  double smoothing() const;
  // Every chart's x axis, as the "X axis in epochs" action switches it.
  void setXUnit(MetricChart::XUnit unit);
  MetricChart::XUnit xUnit() const;

  // Draws the run in `runDir` dashed under the live one; returns "" or the
  // error to show. Loading the same directory again replaces it.
  QString addOverlay(const QString& runDir);
  // Draws the finished run in `runDir` as the live series, in place of the
  // last run's (overlays stay); returns "" or the error to show.
  QString showRun(const QString& runDir);
  // A run resumed in `runDir` (after clearRun()): the curves its records hold
  // come back as the live series up to where its first new batch takes over,
  // which drops the records after that point (a stop's last batches, say).
  QString continueRun(const QString& runDir);
  void clearOverlays();
  // Removes the overlay of the run in `runDir`, if there is one.
  void removeOverlay(const QString& runDir);
  QStringList overlays() const { return m_overlayLabels; }

  // The run and epoch nearest to a point on a chart: the overlaid run's
  // directory ("" for the live run) and the checkpoint number of the epoch
  // whose end is nearest the point (an epoch ending at update u saves N = epoch + 1).
  struct PickedEpoch {
    QString runDir;
    int checkpoint = 0;
  };
  std::optional<PickedEpoch> epochNear(const QString& seriesName, double iteration) const;

  // Every series in the store, as SeriesStore::writeCsv.
  QString exportCsv(const QString& path) const;
  // "Best: epoch N, validation accuracy 0.9 …", or "" before the first epoch;
  // N numbers the epoch as the checkpoint table does (its file number).
  QString bestEpochText() const;

 signals:
  // A click on a chart's line picked this run's epoch (epochNear()).
  void epochPicked(const QString& runDir, int checkpoint);

 private:
  void refreshCharts();
  void removeSeriesWhere(const std::function<bool(const QString&)>& which);
  // `overlayRun`: the label of the earlier run it belongs to; "" for the live run.
  void showNewSeries(const QString& storeName, const QString& metricName, const QString& overlayRun);
  // Appends to the live series `storeName`, shown as `metricName` is, adding it when new.
  void appendLive(const QString& storeName, const QString& metricName, const QList<QPointF>& points);
  void restorePreferences();
  void updateBestEpoch();
  void chooseOverlay();
  void chooseCsvFile();

  SeriesStore* m_store = nullptr;
  QList<MetricChart*> m_charts;  // in RunMetrics::Chart order
  QSlider* m_smoothing = nullptr;
  QAction* m_epochAxis = nullptr;
  QLabel* m_smoothingValue = nullptr;
  ElidedLabel* m_bestLabel = nullptr;
  RunMetrics m_pending;
  std::optional<RunMetrics> m_history;  // continueRun()'s, until the first live batch
  QMap<QString, QList<QPointF>> m_pendingRanks;  // rankThroughput() series
  // The live run's epochs as drawn: (epoch, iteration).
  QList<QPair<int, double>> m_epochs;
  double m_lastIteration = 0.0;
  double m_liveUpdatesPerEpoch = 0.0;  // 0 until the first batch says
  QStringList m_overlayLabels;
  QMap<QString, RunOverlay> m_overlayRuns;  // by label
  QString m_lastDir;
};
