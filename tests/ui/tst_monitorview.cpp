// The parameter monitor: MonitorModel's rows, columns, history and pattern;
// MonitorHeatmap's cells and colors; ParameterHistogram's bars; FilterGrid's
// tiles; and MonitorView fed with the snapshots of a real lenet run.
// QAbstractItemModelTester watches every model.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>

#include "../core/fit_fixture.h"
#include "FilterGrid.h"
#include "MonitorHeatmap.h"
#include "MonitorModel.h"
#include "MonitorView.h"
#include "ParameterHistogram.h"
#include "fitbench/fit.h"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

fitbench::MonitorStat stat(const std::string& name, double rms, double ratio = -1.0) {
  fitbench::MonitorStat s;
  s.name = name;
  s.rms = rms;
  s.min = -rms;
  s.max = rms;
  s.finite = std::isfinite(rms);
  s.update_ratio = ratio;
  s.histogram.assign(fitbench::kMonitorHistogramBins, 0);
  s.histogram[3] = 5;
  s.histogram[10] = 2;
  return s;
}

fitbench::MonitorSnapshot snapshot(int64_t step, std::vector<fitbench::MonitorStat> stats) {
  fitbench::MonitorSnapshot s;
  s.step = step;
  s.stats = std::move(stats);
  return s;
}

// What the core reports for a one-layer net: output, input, parameters, gradients.
fitbench::MonitorSnapshot layerSnapshot(int64_t step, double scale) {
  return snapshot(step, {stat("fc1_output", 2 * scale), stat("data", 0.5),
                         stat("fc1_weight", scale, 0.01 * scale), stat("fc1_bias", 0.1 * scale, 0.5),
                         stat("fc1_weight_grad", 3 * scale), stat("fc1_bias_grad", 0.3)});
}

QVariant raw(const MonitorModel& model, int row, int column) {
  return model.data(model.index(row, column), MonitorModel::RawRole);
}

QString shown(const MonitorModel& model, int row, int column) {
  return model.data(model.index(row, column)).toString();
}

}  // namespace

class TestMonitorView : public QObject {
  Q_OBJECT

 private slots:
  void modelJoinsGradientsToTheirParameters();
  void modelKeepsHistoryWithGaps();
  void modelFlagsNonFiniteValues();
  void patternFilters_data();
  void patternFilters();
  void heatmapColorsLogValues();
  void heatmapBinsManySnapshots();
  void histogramBars();
  void filterGridTiles();
  void filterGridRefusesOtherArrays();
  void viewShowsARealRun();
};

void TestMonitorView::modelJoinsGradientsToTheirParameters() {
  MonitorModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QCOMPARE(model.rowCount(), 0);
  QCOMPARE(model.columnCount(), int(MonitorModel::ColumnCount));
  model.addSnapshot(layerSnapshot(1, 1.0));
  QCOMPARE(model.rowCount(), 4);
  QCOMPARE(model.nameAt(0), QStringLiteral("fc1_output"));
  QCOMPARE(model.nameAt(2), QStringLiteral("fc1_weight"));
  QCOMPARE(model.rowOf(QStringLiteral("fc1_weight_grad")), -1);
  const int w = model.rowOf(QStringLiteral("fc1_weight"));
  QCOMPARE(raw(model, w, MonitorModel::RmsColumn).toDouble(), 1.0);
  QCOMPARE(raw(model, w, MonitorModel::GradRmsColumn).toDouble(), 3.0);
  QCOMPARE(raw(model, w, MonitorModel::UpdateRatioColumn).toDouble(), 0.01);
  QCOMPARE(raw(model, w, MonitorModel::MinColumn).toDouble(), -1.0);
  QCOMPARE(shown(model, w, MonitorModel::UpdateRatioColumn), QStringLiteral("0.01"));
  QCOMPARE(shown(model, w, MonitorModel::FiniteColumn), QStringLiteral("ok"));
  QVERIFY(model.gradStatAt(w).has_value());
  QCOMPARE(model.gradStatAt(w)->name, std::string("fc1_weight_grad"));
  // An output has neither gradient nor update ratio.
  QVERIFY(!raw(model, 0, MonitorModel::GradRmsColumn).isValid());
  QVERIFY(!raw(model, 0, MonitorModel::UpdateRatioColumn).isValid());
  QCOMPARE(shown(model, 0, MonitorModel::GradRmsColumn), QString());
  QVERIFY(!model.gradStatAt(0).has_value());

  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  model.addSnapshot(layerSnapshot(11, 2.0));
  QCOMPARE(changed.count(), 1);
  QCOMPARE(model.rowCount(), 4);
  QCOMPARE(raw(model, w, MonitorModel::RmsColumn).toDouble(), 2.0);
  QCOMPARE(model.sampleCount(), 2);
  QCOMPARE(model.stepAt(1), qint64(11));
  model.clear();
  QCOMPARE(model.rowCount(), 0);
  QCOMPARE(model.sampleCount(), 0);
}

void TestMonitorView::modelKeepsHistoryWithGaps() {
  MonitorModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.addSnapshot(snapshot(1, {stat("a_weight", 1.0, 0.1), stat("a_weight_grad", 4.0)}));
  model.addSnapshot(snapshot(2, {stat("b_output", 7.0)}));
  model.addSnapshot(snapshot(3, {stat("a_weight", 3.0, 0.3), stat("b_output", 8.0)}));
  QCOMPARE(model.rowCount(), 2);
  QCOMPARE(model.historyValue(0, 0, MonitorModel::RmsColumn), 1.0);
  QCOMPARE(model.historyValue(0, 0, MonitorModel::GradRmsColumn), 4.0);
  QCOMPARE(model.historyValue(0, 1, MonitorModel::RmsColumn), -1.0);
  QCOMPARE(model.historyValue(0, 2, MonitorModel::GradRmsColumn), -1.0);
  QCOMPARE(model.historyValue(0, 2, MonitorModel::UpdateRatioColumn), double(0.3f));
  QCOMPARE(model.historyValue(1, 0, MonitorModel::RmsColumn), -1.0);
  QCOMPARE(model.historyValue(1, 2, MonitorModel::RmsColumn), 8.0);
  QCOMPARE(model.historyValue(1, 2, MonitorModel::UpdateRatioColumn), -1.0);
}

void TestMonitorView::modelFlagsNonFiniteValues() {
  MonitorModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  fitbench::MonitorStat badGrad = stat("w_grad", kNaN);
  model.addSnapshot(snapshot(1, {stat("x", kNaN), stat("w", 1.0, 0.1), badGrad}));
  QCOMPARE(raw(model, 0, MonitorModel::FiniteColumn).toBool(), false);
  QCOMPARE(shown(model, 0, MonitorModel::FiniteColumn), QStringLiteral("NaN/Inf"));
  QVERIFY(model.data(model.index(0, MonitorModel::FiniteColumn), Qt::ForegroundRole).isValid());
  // A parameter is flagged when its gradient is not finite.
  QCOMPARE(raw(model, 1, MonitorModel::FiniteColumn).toBool(), false);
  QVERIFY(model.data(model.index(1, MonitorModel::FiniteColumn), Qt::ToolTipRole)
              .toString()
              .contains("gradient"));
  QVERIFY(std::isnan(model.historyValue(0, 0, MonitorModel::RmsColumn)));
}

void TestMonitorView::patternFilters_data() {
  QTest::addColumn<QString>("pattern");
  QTest::addColumn<bool>("valid");
  QTest::addColumn<QStringList>("rows");
  const QStringList all{"fc1_output", "data", "fc1_weight", "fc1_bias"};
  QTest::newRow("empty") << QString() << true << all;
  QTest::newRow("everything") << QStringLiteral(".*") << true << all;
  QTest::newRow("weights") << QStringLiteral("_weight$") << true << QStringList{"fc1_weight"};
  QTest::newRow("alternatives") << QStringLiteral("fc1_(bias|output)") << true
                                << QStringList{"fc1_output", "fc1_bias"};
  QTest::newRow("gradient names match their parameter row")
      << QStringLiteral("grad") << true << QStringList{};
  QTest::newRow("invalid keeps the previous")
      << QStringLiteral("fc1_[") << false << QStringList{"fc1_weight"};
}

void TestMonitorView::patternFilters() {
  QFETCH(QString, pattern);
  QFETCH(bool, valid);
  QFETCH(QStringList, rows);
  MonitorModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.addSnapshot(layerSnapshot(1, 1.0));
  QVERIFY(model.setPattern(QStringLiteral("_weight$")));
  QCOMPARE(model.setPattern(pattern), valid);
  QStringList names;
  for (int r = 0; r < model.rowCount(); ++r) names << model.nameAt(r);
  QCOMPARE(names, rows);
  // Later snapshots keep to the pattern, and a new matching name is appended.
  model.addSnapshot(snapshot(2, {stat("fc1_weight", 1.0, 0.1), stat("fc2_weight", 1.0, 0.1)}));
  const bool fc2Shown = model.rowOf(QStringLiteral("fc2_weight")) >= 0;
  QCOMPARE(fc2Shown, QRegularExpression(model.pattern()).match(QStringLiteral("fc2_weight")).hasMatch());
  if (fc2Shown) QCOMPARE(model.rowOf(QStringLiteral("fc2_weight")), model.rowCount() - 1);
}

void TestMonitorView::heatmapColorsLogValues() {
  MonitorModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.addSnapshot(snapshot(1, {stat("a", 1.0, 0.5)}));
  model.addSnapshot(snapshot(2, {stat("a", 10.0, 0.5)}));
  model.addSnapshot(snapshot(3, {stat("a", 100.0, 0.5), stat("b", kNaN)}));
  MonitorHeatmap heatmap;
  heatmap.setModel(&model);
  QImage image = heatmap.render(100);
  QCOMPARE(image.size(), QSize(3, 2));
  QCOMPARE(heatmap.logRange().first, 0.0);
  QCOMPARE(heatmap.logRange().second, 2.0);
  QCOMPARE(image.pixelColor(0, 0), MonitorHeatmap::colorAt(0.0));
  QCOMPARE(image.pixelColor(1, 0), MonitorHeatmap::colorAt(0.5));
  QCOMPARE(image.pixelColor(2, 0), MonitorHeatmap::colorAt(1.0));
  QVERIFY(MonitorHeatmap::colorAt(0.0) != MonitorHeatmap::colorAt(1.0));
  QCOMPARE(image.pixelColor(0, 1).alpha(), 0);  // b was not reported yet
  QCOMPARE(image.pixelColor(2, 1), MonitorHeatmap::nonFiniteColor());

  heatmap.setMetric(MonitorModel::UpdateRatioColumn);
  image = heatmap.render(100);
  QCOMPARE(image.pixelColor(2, 1).alpha(), 0);                     // b has no ratio
  QCOMPARE(image.pixelColor(0, 0), MonitorHeatmap::colorAt(0.5));  // one value: mid scale
  heatmap.resize(300, 150);
  QVERIFY(!heatmap.grab().isNull());

  QSignalSpy clicked(&heatmap, &MonitorHeatmap::rowClicked);
  QTest::mouseClick(&heatmap, Qt::LeftButton, {}, QPoint(150, 6));
  QCOMPARE(clicked.count(), 1);
  QCOMPARE(clicked.at(0).at(0).toInt(), 0);
}

void TestMonitorView::heatmapBinsManySnapshots() {
  MonitorModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  for (int s = 0; s < 4; ++s) model.addSnapshot(snapshot(s + 1, {stat("a", std::pow(10.0, s))}));
  MonitorHeatmap heatmap;
  heatmap.setModel(&model);
  const QImage image = heatmap.render(2);
  QCOMPARE(image.size(), QSize(2, 1));
  // Columns hold the mean log10 of snapshots {0, 1} and {2, 3}: 0.5 and 2.5.
  QCOMPARE(heatmap.logRange().first, 0.5);
  QCOMPARE(heatmap.logRange().second, 2.5);
}

void TestMonitorView::histogramBars() {
  ParameterHistogram histogram;
  histogram.resize(340, 200);
  QVERIFY(histogram.counts().empty());
  const fitbench::MonitorStat s = stat("fc1_weight", 2.0);
  histogram.setStat(s, QStringLiteral("fc1_weight, step 3"));
  QCOMPARE(histogram.counts(), s.histogram);
  QCOMPARE(histogram.rangeMin(), -2.0);
  QCOMPARE(histogram.rangeMax(), 2.0);
  QCOMPARE(histogram.title(), QStringLiteral("fc1_weight, step 3"));
  const QRectF tallest = histogram.barRect(3), shorter = histogram.barRect(10);
  QVERIFY(tallest.height() > 0);
  QVERIFY(std::abs(shorter.height() - tallest.height() * 2 / 5) < 1e-9);
  QCOMPARE(shorter.bottom(), tallest.bottom());
  QVERIFY(histogram.barRect(0).isEmpty());
  QVERIFY(shorter.left() > tallest.right());
  QVERIFY(!histogram.grab().isNull());
  histogram.clear(QStringLiteral("nothing"));
  QVERIFY(histogram.counts().empty());
  QVERIFY(histogram.barRect(3).isEmpty());
}

void TestMonitorView::filterGridTiles() {
  fitbench::MonitorStat s = stat("conv_weight", 1.0);
  s.values_shape = {2, 2, 2, 2};
  // Filter 0: channel 0 = [1 -1; 0 0.5], channel 1 = [0 0; 0 0]; filter 1 has a NaN.
  s.values = {1.0f,
              -1.0f,
              0.0f,
              0.5f,
              0.0f,
              0.0f,
              0.0f,
              0.0f,
              4.0f,
              0.0f,
              0.0f,
              0.0f,
              std::numeric_limits<float>::quiet_NaN(),
              -2.0f,
              0.0f,
              0.0f};
  FilterGrid grid;
  grid.resize(200, 200);
  QVERIFY(grid.setStat(s));
  const QImage& image = grid.image();
  QCOMPARE(image.size(), QSize(5, 5));  // 2 tiles of 2 plus a 1-pixel gap, each way
  QCOMPARE(qGray(image.pixel(0, 0)), 255);
  QCOMPARE(qGray(image.pixel(1, 0)), 0);
  QCOMPARE(qGray(image.pixel(0, 1)), 128);
  QCOMPARE(qGray(image.pixel(1, 1)), 191);
  QCOMPARE(qGray(image.pixel(3, 0)), 128);              // channel 1 of filter 0
  QVERIFY(image.pixel(2, 0) != image.pixel(0, 1));      // the gap
  QCOMPARE(qGray(image.pixel(0, 3)), 255);              // filter 1 scales to its own largest value, 4
  QCOMPARE(qGray(image.pixel(4, 3)), 64);               // -2 of 4
  QCOMPARE(image.pixelColor(3, 3), QColor(255, 0, 0));  // NaN
  QVERIFY(grid.caption().contains(QStringLiteral("2 filters x 2 channels, 2x2")));
  QVERIFY(!grid.caption().contains(QStringLiteral("at most")));
  QVERIFY(!grid.grab().isNull());

  s.values_shape = {fitbench::kMonitorMaxFilters, 1, 1, 1};
  s.values.assign(static_cast<size_t>(fitbench::kMonitorMaxFilters), 0.5f);
  QVERIFY(grid.setStat(s));
  // 64 one-pixel filters wrap into a roughly square grid: 6 columns of 4 px
  // (pixel and gap), 11 rows of 2 px, the last gaps dropped.
  QCOMPARE(grid.image().size(), QSize(21, 21));
  QCOMPARE(qGray(grid.image().pixel(0, 2)), 255);  // filter 6 opens the second row
  QCOMPARE(qGray(grid.image().pixel(4, 0)), 255);  // filter 1 beside filter 0
  QVERIFY(grid.caption().contains(QStringLiteral("at most")));
}

void TestMonitorView::filterGridRefusesOtherArrays() {
  FilterGrid grid;
  QVERIFY(!grid.setStat(stat("fc1_weight", 1.0)));
  QVERIFY(grid.image().isNull());
  QVERIFY(grid.caption().contains(QStringLiteral("fc1_weight")));
}

void TestMonitorView::viewShowsARealRun() {
  // Snapshots of a real lenet run: monitor every batch of 2 batches.
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const std::filesystem::path base(tmp.path().toStdString());
  fitbench::testing::write_idx_pair(base / "data", "train", 64, 3);
  fitbench::testing::write_idx_pair(base / "data", "t10k", 32, 4);
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  args.set("network", "lenet");
  args.set("data-train", (base / "data").string());
  args.unset("num-examples");
  args.set("batch-size", "32");
  args.set("num-epochs", "1");
  args.set("monitor", "1");
  args.set("run-dir", (base / "run").string());
  struct Collect : fitbench::TrainingObserver {
    void on_monitor(const fitbench::MonitorSnapshot& s) override { snapshots.push_back(s); }
    std::vector<fitbench::MonitorSnapshot> snapshots;
  } collect;
  fitbench::FitOptions options;
  options.observer = &collect;
  options.log_to_stderr = false;
  fitbench::fit(args, options);
  QCOMPARE(collect.snapshots.size(), size_t(2));

  MonitorView view;
  QAbstractItemModelTester tester(view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  view.resize(900, 600);
  QVERIFY(view.statusLabel()->text().contains(QStringLiteral("--monitor")));
  for (const auto& s : collect.snapshots) view.addSnapshot(s);
  QVERIFY(view.statusLabel()->text().contains(QStringLiteral("step 2")));
  const int conv = view.model()->rowOf(QStringLiteral("convolution0_weight"));
  QVERIFY(conv >= 0);
  QVERIFY(view.model()
              ->data(view.model()->index(conv, MonitorModel::UpdateRatioColumn), MonitorModel::RawRole)
              .toDouble() > 0);

  QVERIFY(view.selectParameter(QStringLiteral("convolution0_weight")));
  QCOMPARE(view.selectedParameter(), QStringLiteral("convolution0_weight"));
  const fitbench::MonitorStat& weight = view.model()->statAt(conv);
  QCOMPARE(view.histogram()->counts(), weight.histogram);
  QVERIFY(view.histogram()->title().contains(QStringLiteral("step 2")));
  QCOMPARE(std::accumulate(weight.histogram.begin(), weight.histogram.end(), int64_t{0}), int64_t{20 * 25});
  // lenet's 20 5x5 filters in 4 columns of 8 px (5 + a 3 px gap) and 5 rows of 6 px.
  QCOMPARE(view.filterGrid()->image().size(), QSize(4 * 8 - 3, 5 * 6 - 1));

  // A fully connected weight has a histogram but no filters.
  QVERIFY(view.selectParameter(QStringLiteral("fullyconnected0_weight")));
  QVERIFY(!view.histogram()->counts().empty());
  QVERIFY(view.filterGrid()->image().isNull());

  // The pattern narrows the table and keeps a selection that still matches.
  view.patternEdit()->setText(QStringLiteral("_weight$"));
  QCOMPARE(view.model()->rowCount(), 4);
  QCOMPARE(view.selectedParameter(), QStringLiteral("fullyconnected0_weight"));
  view.patternEdit()->setText(QStringLiteral("(("));
  QCOMPARE(view.patternEdit()->property("invalid").toBool(), true);
  QCOMPARE(view.model()->rowCount(), 4);
  view.setPattern(QString());
  QCOMPARE(view.patternEdit()->property("invalid").toBool(), false);

  // Sorting by a column reorders the view, not the model.
  view.table()->sortByColumn(MonitorModel::RmsColumn, Qt::DescendingOrder);
  const double top =
      view.table()->model()->index(0, MonitorModel::RmsColumn).data(MonitorModel::RawRole).toDouble();
  for (int r = 0; r < view.model()->rowCount(); ++r)
    QVERIFY(raw(*view.model(), r, MonitorModel::RmsColumn).toDouble() <= top);

  // The heatmap's metric follows the combo box; a click selects a row.
  view.metricBox()->setCurrentIndex(2);
  QCOMPARE(view.heatmap()->metric(), MonitorModel::UpdateRatioColumn);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  QTest::mouseClick(view.heatmap(), Qt::LeftButton, {}, QPoint(view.heatmap()->width() / 2, 6));
  QCOMPARE(view.selectedParameter(), view.model()->nameAt(0));

  view.clear();
  QCOMPARE(view.model()->rowCount(), 0);
  QVERIFY(view.histogram()->counts().empty());
}

QTEST_MAIN(TestMonitorView)
#include "tst_monitorview.moc"
