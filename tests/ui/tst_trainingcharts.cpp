// TrainingCharts: observer snapshots reach the store and the right chart only
// on flush(); top-k and loss metrics find their charts; the best epoch is
// marked; the charts share one iteration axis; the smoothing slider drives
// every chart; earlier runs overlay and survive a new run, or replace the
// live run's curves; one action counts every chart's x axis in epochs; the
// chart preferences outlive the charts; every series exports as CSV.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QLineSeries>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QValueAxis>
#include <QtTest>

#include "ElidedLabel.h"
#include "MetricChart.h"
#include "SeriesStore.h"
#include "TrainingCharts.h"
#include "run_fixture.h"

namespace {

fitbench::BatchStats batch(int epoch, int64_t index, int64_t update, double loss) {
  fitbench::BatchStats stats;
  stats.epoch = epoch;
  stats.batch = index;
  stats.batches_per_epoch = 10;
  stats.num_update = update;
  stats.learning_rate = 0.05;
  stats.loss = loss;
  stats.samples_per_sec = 2000.0;
  return stats;
}

fitbench::EpochStats epoch(int number, double trainAcc, double valAcc) {
  fitbench::EpochStats stats;
  stats.epoch = number;
  stats.train = {{"accuracy", trainAcc}, {"top_k_accuracy_5", 0.95}};
  stats.validation = {{"accuracy", valAcc}, {"top_k_accuracy_5", 0.97}, {"cross-entropy", 0.4}};
  return stats;
}

int pointCount(const TrainingCharts& charts, const QString& series) {
  const int id = charts.store()->find(series);
  return id < 0 ? -1 : static_cast<int>(charts.store()->points(id).size());
}

// Two epochs of ten batches; epoch 0 validates best.
void feedRun(TrainingCharts& charts) {
  for (int e = 0; e < 2; ++e) {
    for (int b = 0; b < 10; ++b) charts.addBatch(batch(e, b, e * 10 + b + 1, 2.0 - 0.05 * (e * 10 + b)));
    charts.addEpoch(epoch(e, 0.6 + 0.1 * e, e == 0 ? 0.8 : 0.7));
  }
}

}  // namespace

class TestTrainingCharts : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void snapshotsReachTheirCharts();
  void smoothingSliderDrivesTheCharts();
  void overlaysSurviveANewRun();
  void aClickPicksTheNearestEpochOfItsRun();
  void trainingAccuracyEveryBatch();
  void exportsEverySeries();
  void epochAxisSwitchesEveryChart();
  void preferencesAreRemembered();
  void showRunReplacesTheLiveCurves();
  void aResumeContinuesItsEarlierCurves();

 private:
  QTemporaryDir m_tmp;
};

void TestTrainingCharts::initTestCase() {
  // The charts keep their preferences: in this test's own settings, not the tester's.
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_tmp.filePath(QStringLiteral("settings")));
}

void TestTrainingCharts::init() { QSettings().clear(); }

void TestTrainingCharts::snapshotsReachTheirCharts() {
  TrainingCharts charts;
  QAbstractItemModelTester tester(charts.store(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  feedRun(charts);
  QCOMPARE(charts.store()->rowCount(), 0);  // nothing drawn before the timer's flush
  charts.flush();

  QCOMPARE(pointCount(charts, QStringLiteral("loss")), 20);
  QCOMPARE(pointCount(charts, QStringLiteral("learning rate")), 20);
  QCOMPARE(pointCount(charts, QStringLiteral("samples/s")), 20);
  QCOMPARE(pointCount(charts, QStringLiteral("validation accuracy")), 2);
  const std::vector<QPointF>& val =
      charts.store()->points(charts.store()->find(QStringLiteral("validation accuracy")));
  QCOMPARE(val[0], QPointF(10, 0.8));  // at the update its epoch ended on
  QCOMPARE(val[1], QPointF(20, 0.7));

  const QStringList accuracy = charts.chart(RunMetrics::Chart::Accuracy)->seriesNames();
  for (const char* name :
       {"train accuracy", "validation accuracy", "train top_k_accuracy_5", "validation top_k_accuracy_5"})
    QVERIFY2(accuracy.contains(QString::fromLatin1(name)), name);
  QCOMPARE(charts.chart(RunMetrics::Chart::Loss)->seriesNames(),
           (QStringList{QStringLiteral("loss"), QStringLiteral("validation cross-entropy")}));
  QCOMPARE(charts.chart(RunMetrics::Chart::LearningRate)->seriesNames(),
           QStringList{QStringLiteral("learning rate")});
  QCOMPARE(charts.chart(RunMetrics::Chart::Throughput)->seriesNames(),
           QStringList{QStringLiteral("samples/s")});

  // The charts share one iteration axis: the accuracy points (at 10 and 20)
  // are drawn against the loss chart's 1..20.
  for (MetricChart* chart : charts.charts()) {
    auto* x = qobject_cast<QValueAxis*>(chart->chart()->axes(Qt::Horizontal).constFirst());
    QVERIFY2(x->min() <= 1.0 && x->max() >= 20.0, qPrintable(chart->objectName()));
  }

  // The best epoch is the first (validation accuracy 0.8), marked on the
  // accuracy chart. issue 13: it read "Epoch[0]", MXNet's count, where the
  // checkpoint table lists the epoch's checkpoint as epoch 1.
  QCOMPARE(charts.bestEpochText(), QStringLiteral("Best: epoch 1, validation accuracy 0.8000"));
  QCOMPARE(charts.findChild<ElidedLabel*>(QStringLiteral("bestEpochLabel"))->text(), charts.bestEpochText());
  QCOMPARE(charts.chart(RunMetrics::Chart::Accuracy)->marker(), std::optional<QPointF>(QPointF(10, 0.8)));
  QStringList markerNames;
  for (QAbstractSeries* s : charts.chart(RunMetrics::Chart::Accuracy)->chart()->series())
    if (s->type() == QAbstractSeries::SeriesTypeScatter) markerNames << s->name();
  QCOMPARE(markerNames, QStringList{charts.bestEpochText()});

  charts.clearRun();
  QCOMPARE(charts.store()->rowCount(), 0);
  QCOMPARE(charts.bestEpochText(), QString());
  QVERIFY(!charts.chart(RunMetrics::Chart::Accuracy)->marker().has_value());
  QVERIFY(charts.chart(RunMetrics::Chart::Loss)->seriesNames().isEmpty());
}

void TestTrainingCharts::smoothingSliderDrivesTheCharts() {
  TrainingCharts charts;
  auto* slider = charts.findChild<QSlider*>(QStringLiteral("smoothingSlider"));
  QVERIFY(slider);
  QCOMPARE(charts.smoothing(), 0.6);
  slider->setValue(90);
  QCOMPARE(charts.smoothing(), 0.9);
  for (MetricChart* chart : charts.charts()) QCOMPARE(chart->smoothing(), 0.9);
  charts.setSmoothing(0.0);
  QCOMPARE(slider->value(), 0);
  for (MetricChart* chart : charts.charts()) QCOMPARE(chart->smoothing(), 0.0);
}

void TestTrainingCharts::overlaysSurviveANewRun() {
  QVERIFY(m_tmp.isValid());
  const QString dir = m_tmp.filePath(QStringLiteral("earlier"));
  QVERIFY(writeRunDir(dir, 3, 5, true));
  TrainingCharts charts;
  QAbstractItemModelTester tester(charts.store(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  QCOMPARE(charts.addOverlay(dir), QString());
  QCOMPARE(charts.overlays(), QStringList{QStringLiteral("earlier (lenet)")});
  const QString overlayLoss = QStringLiteral("earlier (lenet): loss");
  QCOMPARE(pointCount(charts, overlayLoss), 15);
  QVERIFY(charts.chart(RunMetrics::Chart::Loss)->seriesNames().contains(overlayLoss));
  QVERIFY(charts.chart(RunMetrics::Chart::Accuracy)
              ->seriesNames()
              .contains(QStringLiteral("earlier (lenet): train top_k_accuracy_5")));
  QVERIFY(charts.bestEpochText().isEmpty());  // the best epoch is the live run's

  // Loading it again replaces it rather than doubling its points.
  QCOMPARE(charts.addOverlay(dir), QString());
  QCOMPARE(pointCount(charts, overlayLoss), 15);
  QCOMPARE(charts.overlays().size(), 1);

  feedRun(charts);
  charts.flush();
  charts.clearRun();  // the next run starts
  QCOMPARE(pointCount(charts, overlayLoss), 15);
  QCOMPARE(pointCount(charts, QStringLiteral("loss")), -1);

  QVERIFY(!charts.addOverlay(m_tmp.filePath(QStringLiteral("nothing here"))).isEmpty());
  charts.clearOverlays();
  QCOMPARE(charts.store()->rowCount(), 0);
  QVERIFY(charts.overlays().isEmpty());
  for (MetricChart* chart : charts.charts()) QVERIFY(chart->seriesNames().isEmpty());
}

void TestTrainingCharts::aClickPicksTheNearestEpochOfItsRun() {
  const QString dir = m_tmp.filePath(QStringLiteral("picked"));
  QVERIFY(writeRunDir(dir, 3, 5));  // epochs end at updates 5, 10 and 15
  TrainingCharts charts;
  QCOMPARE(charts.addOverlay(dir), QString());
  QSignalSpy picked(&charts, &TrainingCharts::epochPicked);
  // Update 9 is nearest the end of epoch 1, which saved checkpoint 2.
  emit charts.chart(RunMetrics::Chart::Loss)->seriesClicked(QStringLiteral("picked (lenet): loss"), QPointF(9, 0.3));
  QCOMPARE(picked.count(), 1);
  QCOMPARE(picked.at(0).at(0).toString(), dir);
  QCOMPARE(picked.at(0).at(1).toInt(), 2);
  QCOMPARE(charts.epochNear(QStringLiteral("picked (lenet): validation accuracy"), 100)->checkpoint, 3);
  // The live run's series: no directory, its own epochs; none before its first epoch.
  QVERIFY(!charts.epochNear(QStringLiteral("loss"), 3).has_value());
  feedRun(charts);
  charts.flush();
  const auto live = charts.epochNear(QStringLiteral("loss"), 0);
  QVERIFY(live.has_value());
  QVERIFY(live->runDir.isEmpty());
  QCOMPARE(live->checkpoint, 1);
}

// issue 13: the accuracy chart stayed empty for the whole first epoch while the
// log printed accuracy= every 100 batches. The Speedometer's values are drawn at every batch.
void TestTrainingCharts::trainingAccuracyEveryBatch() {
  TrainingCharts charts;
  for (int b = 0; b < 5; ++b) {
    fitbench::BatchStats stats = batch(0, b, b + 1, 1.0);
    stats.metrics = {{"accuracy", 0.5 + 0.05 * b}};
    charts.addBatch(stats);
  }
  charts.flush();
  const QString series = RunMetrics::trainBatches(QStringLiteral("accuracy"));
  QCOMPARE(pointCount(charts, series), 5);
  QVERIFY(charts.chart(RunMetrics::Chart::Accuracy)->seriesNames().contains(series));
  QCOMPARE(charts.store()->points(charts.store()->find(series)).back().y(), 0.7);

  // An earlier run's records carry them too.
  const QString dir = m_tmp.filePath(QStringLiteral("per-batch"));
  QDir().mkpath(dir);
  {
    fitbench::RunRecordWriter writer(fitbench::run_records_path(dir.toStdString()));
    writer.write(fitbench::BatchRecord{0, 0, 1, 0.1, 1.0, 100.0, {{"accuracy", 0.25}}});
  }
  QCOMPARE(charts.addOverlay(dir), QString());
  QVERIFY(charts.chart(RunMetrics::Chart::Accuracy)->seriesNames().contains(QStringLiteral("per-batch: ") + series));
}

void TestTrainingCharts::exportsEverySeries() {
  QVERIFY(m_tmp.isValid());
  TrainingCharts charts;
  const QString path = m_tmp.filePath(QStringLiteral("all.csv"));
  QVERIFY(!charts.exportCsv(path).isEmpty());  // nothing yet
  feedRun(charts);
  charts.flush();
  QCOMPARE(charts.exportCsv(path), QString());
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
  const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  int points = 0;
  for (int id = 0; id < charts.store()->seriesCount(); ++id)
    points += static_cast<int>(charts.store()->points(id).size());
  QCOMPARE(lines.size(), points + 1);
  QVERIFY(lines.contains(QStringLiteral("\"validation accuracy\",10,0.80000000000000004")));
}

// The line a chart draws for the store's series `name` (its raw line).
QLineSeries* lineOf(MetricChart* chart, const QString& name) {
  for (QAbstractSeries* s : chart->chart()->series())
    if (s->name() == name && s->type() == QAbstractSeries::SeriesTypeLine)
      return qobject_cast<QLineSeries*>(s);
  return nullptr;
}

// issue 13: there was no epoch x-axis. One action switches every chart; each
// run counts its own epochs, and a click picks the same epoch in both units.
void TestTrainingCharts::epochAxisSwitchesEveryChart() {
  const QString dir = m_tmp.filePath(QStringLiteral("epochs"));
  QVERIFY(writeRunDir(dir, 3, 5));  // 5 updates an epoch
  TrainingCharts charts;
  charts.resize(1000, 800);
  charts.show();
  QVERIFY(QTest::qWaitForWindowExposed(&charts));
  auto* action = charts.findChild<QAction*>(QStringLiteral("epochAxisAction"));
  QVERIFY(action && action->isCheckable() && !action->isChecked());
  QVERIFY(charts.actions().contains(action));
  for (MetricChart* chart : charts.charts()) QVERIFY(chart->actions().contains(action));  // the context menu
  QCOMPARE(charts.addOverlay(dir), QString());
  feedRun(charts);  // 10 updates an epoch
  charts.flush();

  action->trigger();
  QCOMPARE(charts.xUnit(), MetricChart::XUnit::Epochs);
  for (MetricChart* chart : charts.charts()) {
    QCOMPARE(chart->xUnit(), MetricChart::XUnit::Epochs);
    auto* x = qobject_cast<QValueAxis*>(chart->chart()->axes(Qt::Horizontal).constFirst());
    QCOMPARE(x->titleText(), QStringLiteral("epoch"));
    // The overlay's 3 epochs, on nice numbers; not its 15 updates.
    QVERIFY2(x->max() >= 3.0 && x->max() <= 5.0, qPrintable(chart->objectName()));
  }
  MetricChart* accuracy = charts.chart(RunMetrics::Chart::Accuracy);
  QLineSeries* live = lineOf(accuracy, QStringLiteral("validation accuracy"));
  QLineSeries* earlier = lineOf(accuracy, QStringLiteral("epochs (lenet): validation accuracy"));
  QVERIFY(live && earlier);
  QCOMPARE(live->points(), (QList<QPointF>{QPointF(1, 0.8), QPointF(2, 0.7)}));
  QCOMPARE(earlier->points().size(), 3);
  QCOMPARE(earlier->points().constLast().x(), 3.0);
  // The best epoch's marker sits on its epoch's end.
  QCOMPARE(charts.bestEpochText(), QStringLiteral("Best: epoch 1, validation accuracy 0.8000"));

  // A click at 1.8 epochs on the earlier run's line (update 9) is nearest
  // the end of its epoch 1, which saved checkpoint 2; at 1.2 on the live
  // run's (update 12), nearest the end of its epoch 0: checkpoint 1.
  QSignalSpy picked(&charts, &TrainingCharts::epochPicked);
  QTRY_VERIFY(accuracy->chart()->plotArea().width() > 0);
  const auto clickAt = [accuracy](QPointF value) {
    const QPointF inChart = accuracy->chart()->mapToPosition(value, accuracy->chart()->series().constFirst());
    QTest::mouseClick(accuracy->viewport(), Qt::LeftButton, {},
                      accuracy->mapFromScene(accuracy->chart()->mapToScene(inChart)));
  };
  clickAt(QPointF(1.8, 0.53));  // validation 0.45 at epoch 1, 0.55 at 2
  clickAt(QPointF(1.2, 0.78));  // validation 0.8 at epoch 1, 0.7 at 2
  QCOMPARE(picked.count(), 2);
  QCOMPARE(picked.at(0).at(0).toString(), dir);
  QCOMPARE(picked.at(0).at(1).toInt(), 2);
  QCOMPARE(picked.at(1).at(0).toString(), QString());
  QCOMPARE(picked.at(1).at(1).toInt(), 1);

  charts.setXUnit(MetricChart::XUnit::Iterations);
  QVERIFY(!action->isChecked());
  QCOMPARE(live->points().constLast(), QPointF(20, 0.7));
  for (MetricChart* chart : charts.charts()) QCOMPARE(chart->xUnit(), MetricChart::XUnit::Iterations);
}

// issue 13: the chart preferences were forgotten at every start.
void TestTrainingCharts::preferencesAreRemembered() {
  {
    TrainingCharts first;
    first.findChild<QSlider*>(QStringLiteral("smoothingSlider"))->setValue(30);
    first.findChild<QAction*>(QStringLiteral("epochAxisAction"))->trigger();
    first.chart(RunMetrics::Chart::LearningRate)
        ->findChild<QAction*>(QStringLiteral("logScaleAction"))
        ->trigger();
  }
  TrainingCharts again;
  QCOMPARE(again.smoothing(), 0.3);
  QCOMPARE(again.xUnit(), MetricChart::XUnit::Epochs);
  for (MetricChart* chart : again.charts()) {
    QCOMPARE(chart->smoothing(), 0.3);
    QCOMPARE(chart->xUnit(), MetricChart::XUnit::Epochs);
    QCOMPARE(chart->logScale(), chart == again.chart(RunMetrics::Chart::LearningRate));
  }
  QCOMPARE(QSettings().value(QStringLiteral("charts/xAxis")).toString(), QStringLiteral("epochs"));
}

// An opened run folder's curves take the live run's place: its best epoch,
// its epochs on the x axis and its checkpoints for a click.
void TestTrainingCharts::showRunReplacesTheLiveCurves() {
  const QString dir = m_tmp.filePath(QStringLiteral("shown"));
  QVERIFY(writeRunDir(dir, 3, 5, true));
  TrainingCharts charts;
  feedRun(charts);
  charts.flush();
  QCOMPARE(charts.showRun(dir), QString());
  QCOMPARE(pointCount(charts, QStringLiteral("loss")), 15);
  QVERIFY(charts.overlays().isEmpty());
  QCOMPARE(charts.bestEpochText(), QStringLiteral("Best: epoch 2, validation accuracy 0.9900"));
  QCOMPARE(charts.store()->updatesPerEpoch(charts.store()->find(QStringLiteral("loss"))), 5.0);
  const auto picked = charts.epochNear(QStringLiteral("loss"), 14);
  QVERIFY(picked && picked->runDir.isEmpty());
  QCOMPARE(picked->checkpoint, 3);
  QVERIFY(!charts.showRun(m_tmp.filePath(QStringLiteral("nothing here"))).isEmpty());
  QCOMPARE(pointCount(charts, QStringLiteral("loss")), 15);  // a failed open keeps what was shown
}

// A run resumed from epoch 2 of 3 where it ran: its first two epochs come
// back, the third (before the resume) goes, the new batches follow.
void TestTrainingCharts::aResumeContinuesItsEarlierCurves() {
  const QString dir = m_tmp.filePath(QStringLiteral("resumed"));
  QVERIFY(writeRunDir(dir, 3, 5));
  TrainingCharts charts;
  feedRun(charts);
  charts.flush();
  charts.clearRun();
  QCOMPARE(charts.continueRun(dir), QString());
  charts.flush();
  QCOMPARE(pointCount(charts, QStringLiteral("loss")), -1);  // nothing until the resumed run's first batch
  charts.addBatch(batch(2, 0, 11, 0.5));
  charts.flush();
  QCOMPARE(pointCount(charts, QStringLiteral("loss")), 11);
  const std::vector<QPointF>& loss = charts.store()->points(charts.store()->find(QStringLiteral("loss")));
  QCOMPARE(loss[9], QPointF(10, 0.2));
  QCOMPARE(loss[10], QPointF(11, 0.5));
  QCOMPARE(pointCount(charts, QStringLiteral("validation accuracy")), 2);
  QVERIFY(!charts.continueRun(m_tmp.filePath(QStringLiteral("nothing here"))).isEmpty());
}

QTEST_MAIN(TestTrainingCharts)
#include "tst_trainingcharts.moc"
