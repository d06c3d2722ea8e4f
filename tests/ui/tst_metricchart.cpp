// MetricChart: draws the store's series thinned to about its width while the
// store keeps every point, smooths batch series, switches to a log axis (and
// leaves out values it cannot place), marks a point, reads out the values
// under the mouse, counts its x axis in iterations or epochs, keeps a legend
// of many series within the chart, and exports CSV and PNG.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QChart>
#include <QGraphicsTextItem>
#include <QImage>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QScatterSeries>
#include <QTemporaryDir>
#include <QValueAxis>
#include <QWheelEvent>
#include <QtTest>

#include "MetricChart.h"
#include "SeriesStore.h"

namespace {

QAbstractAxis* valueAxis(const MetricChart& chart) { return chart.chart()->axes(Qt::Vertical).constFirst(); }

}  // namespace

class TestMetricChart : public QObject {
  Q_OBJECT

 private slots:
  void thinsButKeepsEveryPoint();
  void smoothingAddsALine();
  void logScale();
  void markerAndReadout();
  void exports();
  void zoomPanAndReset();
  void epochAxis();
  void legendWrapsWithinTheChart();
  void aClickOnALineReportsItsSeries();
};

// A click on a line reports its series and the point there, in the store's
// x whatever the axis counts. Since the zoom's rubber band (QChartView's)
// took every left press, the lines had stopped hearing clicks, and a click
// on a curve picked no checkpoint.
void TestMetricChart::aClickOnALineReportsItsSeries() {
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Accuracy"), QStringLiteral("accuracy"));
  chart.resize(600, 400);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  chart.showSeries(QStringLiteral("validation accuracy"), MetricChart::Style::Epoch);
  const int id = store.series(QStringLiteral("validation accuracy"));
  store.setUpdatesPerEpoch(id, 100);
  store.append(id, {QPointF(100, 0.2), QPointF(200, 0.8), QPointF(300, 0.8)});
  chart.refresh();
  QTRY_VERIFY(chart.chart()->plotArea().width() > 0);
  const auto at = [&](QPointF value) {
    QAbstractSeries* any = chart.chart()->series().constFirst();
    return chart.mapFromScene(chart.chart()->mapToScene(chart.chart()->mapToPosition(value, any)));
  };
  QSignalSpy clicked(&chart, &MetricChart::seriesClicked);
  QTest::mouseClick(chart.viewport(), Qt::LeftButton, {}, at(QPointF(150, 0.5)));  // on the line
  QCOMPARE(clicked.count(), 1);
  QCOMPARE(clicked.at(0).at(0).toString(), QStringLiteral("validation accuracy"));
  QVERIFY2(std::abs(clicked.at(0).at(1).toPointF().x() - 150) < 3,
           qPrintable(QString::number(clicked.at(0).at(1).toPointF().x())));
  QTest::mouseClick(chart.viewport(), Qt::LeftButton, {}, at(QPointF(250, 0.3)));  // away from it
  QCOMPARE(clicked.count(), 1);
  QVERIFY(!chart.zoom().has_value());  // a click zooms nothing

  chart.setXUnit(MetricChart::XUnit::Epochs);
  QTest::mouseClick(chart.viewport(), Qt::LeftButton, {}, at(QPointF(1.5, 0.5)));
  QCOMPARE(clicked.count(), 2);
  QVERIFY2(std::abs(clicked.at(1).at(1).toPointF().x() - 150) < 3,
           qPrintable(QString::number(clicked.at(1).at(1).toPointF().x())));
}

// issue 13: at 1280x720 the legends of charts with several series were cut
// to "tr… tr… v… d…". The legend wraps under the plot and stays within the
// chart; runs that do not fit are counted, and the tooltip names every series.
void TestMetricChart::legendWrapsWithinTheChart() {
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Accuracy"), QStringLiteral("accuracy"));
  chart.resize(436, 195);  // a chart's cell in a 1280x720 window
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  const QStringList metrics{QStringLiteral("train accuracy per batch"), QStringLiteral("train accuracy"),
                            QStringLiteral("validation accuracy")};
  const auto show = [&](const QString& run) {
    for (const QString& metric : metrics) {
      const QString name = run.isEmpty() ? metric : run + QStringLiteral(": ") + metric;
      chart.showSeries(name, MetricChart::Style::Epoch, run);
      store.append(store.series(name), {QPointF(10, 0.5), QPointF(20, 0.8)});
    }
    chart.refresh();
  };
  show({});
  show(QStringLiteral("lenet-lr0.05-batch-size32 (lenet)"));
  QTRY_VERIFY(chart.chart()->plotArea().height() > 0);
  const auto withinTheChart = [&] {
    const QRectF legend = chart.legendRect();
    return QRectF(QPointF(0, 0), chart.chart()->size()).contains(legend) &&
           legend.top() >= chart.chart()->plotArea().bottom();
  };
  QTRY_VERIFY(withinTheChart());  // the plot makes room at the chart's next layout
  // Names whole, each without the chart's value word; an earlier run's after its name.
  const QString text = chart.legendText();
  for (const char* part : {"train per batch", "train", "validation", "lenet-lr0.05-batch-size32 (lenet):"})
    QVERIFY2(text.contains(QString::fromUtf8(part)), qPrintable(text));
  QVERIFY2(!text.contains(QStringLiteral("…")) && !text.contains(QStringLiteral("...")), qPrintable(text));

  for (int run = 1; run <= 6; ++run) show(QStringLiteral("run-%1").arg(run));
  QTRY_VERIFY(withinTheChart());
  QVERIFY2(chart.legendText().contains(QStringLiteral("more run")), qPrintable(chart.legendText()));
  QVERIFY2(chart.chart()->plotArea().height() >= 0.3 * chart.height(),
           qPrintable(QString::number(chart.chart()->plotArea().height())));
  QString toolTip;
  for (const QGraphicsItem* item : chart.chart()->childItems())
    if (const auto* legend = dynamic_cast<const QGraphicsTextItem*>(item)) toolTip = legend->toolTip();
  QVERIFY2(toolTip.contains(QStringLiteral("run-6: validation accuracy")), qPrintable(toolTip));
}

// issue 13: there was no epoch x-axis. In epochs each series' updates are
// divided by its run's updates per epoch (aClickOnALineReportsItsSeries:
// a click still reports updates).
void TestMetricChart::epochAxis() {
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Accuracy"), QStringLiteral("accuracy"));
  chart.resize(600, 400);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  chart.showSeries(QStringLiteral("validation accuracy"), MetricChart::Style::Epoch);
  chart.showSeries(QStringLiteral("other run's accuracy"), MetricChart::Style::Epoch);
  chart.showSeries(QStringLiteral("no epoch size yet"), MetricChart::Style::Epoch);
  const int live = store.series(QStringLiteral("validation accuracy"));
  store.setUpdatesPerEpoch(live, 100);
  store.append(live, {QPointF(100, 0.5), QPointF(200, 0.7), QPointF(300, 0.8)});
  const int other = store.series(QStringLiteral("other run's accuracy"));
  store.setUpdatesPerEpoch(other, 50);
  store.append(other, {QPointF(50, 0.4), QPointF(100, 0.6)});
  store.append(store.series(QStringLiteral("no epoch size yet")), QPointF(1000, 0.1));
  chart.setMarker(QPointF(300, 0.8), QStringLiteral("validation accuracy"), QStringLiteral("best"));
  chart.refresh();
  auto* x = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Horizontal).constFirst());
  QCOMPARE(x->titleText(), QStringLiteral("iteration"));
  QVERIFY(x->max() >= 1000.0);

  chart.setXUnit(MetricChart::XUnit::Epochs);
  QCOMPARE(x->titleText(), QStringLiteral("epoch"));
  QVERIFY2(x->max() >= 3.0 && x->max() < 5.0, qPrintable(QString::number(x->max())));
  QLineSeries* liveLine = nullptr;
  QLineSeries* otherLine = nullptr;
  QScatterSeries* markerSeries = nullptr;
  for (QAbstractSeries* s : chart.chart()->series()) {
    if (s->name() == QStringLiteral("validation accuracy")) liveLine = qobject_cast<QLineSeries*>(s);
    if (s->name() == QStringLiteral("other run's accuracy")) otherLine = qobject_cast<QLineSeries*>(s);
    if (s->name() == QStringLiteral("best")) markerSeries = qobject_cast<QScatterSeries*>(s);
  }
  QVERIFY(liveLine && otherLine && markerSeries);
  QCOMPARE(liveLine->points(), (QList<QPointF>{QPointF(1, 0.5), QPointF(2, 0.7), QPointF(3, 0.8)}));
  QCOMPARE(otherLine->points(), (QList<QPointF>{QPointF(1, 0.4), QPointF(2, 0.6)}));  // its own epoch size
  QCOMPARE(chart.displayedCount(QStringLiteral("no epoch size yet")), 0);
  QCOMPARE(markerSeries->points(), QList<QPointF>{QPointF(3, 0.8)});
  QCOMPARE(chart.marker(), std::optional<QPointF>(QPointF(300, 0.8)));  // as given
  QCOMPARE(chart.readout(2.5),
           QStringLiteral("epoch 2.50 · validation accuracy 0.7 · other run's accuracy 0.6"));

  chart.setXUnit(MetricChart::XUnit::Iterations);
  QCOMPARE(x->titleText(), QStringLiteral("iteration"));
  QCOMPARE(liveLine->points().constLast(), QPointF(300, 0.8));
}

// issue 13: the charts could not zoom or pan. A drag, Ctrl+wheel or the middle
// button choose the view, which new points leave alone until a reset.
void TestMetricChart::zoomPanAndReset() {
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Loss"), QStringLiteral("loss"));
  chart.resize(600, 400);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  chart.showSeries(QStringLiteral("loss"), MetricChart::Style::Plain);
  QList<QPointF> points;
  for (int i = 0; i <= 1000; ++i) points.append(QPointF(i, 2.0 - i / 1000.0));
  store.append(store.series(QStringLiteral("loss")), points);
  chart.refresh();
  auto* x = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Horizontal).constFirst());
  QCOMPARE(x->max(), 1000.0);

  // Ctrl+wheel up over the plot's middle: a narrower window around it.
  const QPointF middle = chart.chart()->plotArea().center();
  QWheelEvent wheel(middle, chart.mapToGlobal(middle.toPoint()), {}, QPoint(0, 120), Qt::NoButton, Qt::ControlModifier,
                    Qt::NoScrollPhase, false);
  QApplication::sendEvent(chart.viewport(), &wheel);
  QVERIFY(chart.zoom().has_value());
  const double width = x->max() - x->min();
  QVERIFY2(width < 900 && width > 700, qPrintable(QString::number(width)));
  // New points do not move a chosen view.
  store.append(store.series(QStringLiteral("loss")), {QPointF(2000, 0.5)});
  chart.refresh();
  QCOMPARE(x->max() - x->min(), width);

  // A drag with the left button zooms into its rectangle.
  const QRectF plot = chart.chart()->plotArea();
  const QPoint from = chart.mapFromScene(plot.topLeft() + QPointF(plot.width() * 0.25, 10));
  const QPoint to = chart.mapFromScene(plot.topLeft() + QPointF(plot.width() * 0.5, plot.height() - 10));
  QMouseEvent press(QEvent::MouseButtonPress, from, chart.mapToGlobal(from), Qt::LeftButton, Qt::LeftButton, {});
  QApplication::sendEvent(chart.viewport(), &press);
  QMouseEvent move(QEvent::MouseMove, to, chart.mapToGlobal(to), Qt::NoButton, Qt::LeftButton, {});
  QApplication::sendEvent(chart.viewport(), &move);
  QMouseEvent release(QEvent::MouseButtonRelease, to, chart.mapToGlobal(to), Qt::LeftButton, Qt::NoButton, {});
  QApplication::sendEvent(chart.viewport(), &release);
  const double dragged = x->max() - x->min();
  QVERIFY2(dragged < width * 0.4, qPrintable(QStringLiteral("%1 of %2").arg(dragged).arg(width)));

  // The middle button pans: the window moves, its width stays.
  const double left = x->min();
  QMouseEvent grab(QEvent::MouseButtonPress, to, chart.mapToGlobal(to), Qt::MiddleButton, Qt::MiddleButton, {});
  QApplication::sendEvent(chart.viewport(), &grab);
  QMouseEvent drag(QEvent::MouseMove, from, chart.mapToGlobal(from), Qt::NoButton, Qt::MiddleButton, {});
  QApplication::sendEvent(chart.viewport(), &drag);
  QMouseEvent drop(QEvent::MouseButtonRelease, from, chart.mapToGlobal(from), Qt::MiddleButton, Qt::NoButton, {});
  QApplication::sendEvent(chart.viewport(), &drop);
  QVERIFY(x->min() > left);
  QVERIFY(qAbs((x->max() - x->min()) - dragged) < 1e-6 * dragged);

  // A reset follows the data again, the new point included.
  chart.findChild<QAction*>(QStringLiteral("resetZoomAction"))->trigger();
  QVERIFY(!chart.zoom().has_value());
  QCOMPARE(x->max(), 2000.0);
}

void TestMetricChart::thinsButKeepsEveryPoint() {
  SeriesStore store;
  QAbstractItemModelTester tester(&store, QAbstractItemModelTester::FailureReportingMode::QtTest);
  MetricChart chart(&store, QStringLiteral("Loss"), QStringLiteral("loss"));
  chart.resize(600, 400);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  chart.showSeries(QStringLiteral("loss"), MetricChart::Style::Batch);
  QCOMPARE(chart.displayedCount(QStringLiteral("loss")), 0);  // no points yet
  QCOMPARE(chart.displayedCount(QStringLiteral("other")), -1);

  QList<QPointF> points;
  for (int i = 1; i <= 20000; ++i) points.append(QPointF(i, 1.0 + 1.0 / i));
  store.append(store.series(QStringLiteral("loss")), points);
  chart.refresh();
  QCOMPARE(store.points(0).size(), size_t{20000});
  const int shown = chart.displayedCount(QStringLiteral("loss"));
  QVERIFY2(shown > 100 && shown <= chart.width() + 2, qPrintable(QString::number(shown)));
  auto* x = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Horizontal).constFirst());
  QVERIFY(x->min() <= 1.0 && x->min() >= 0.0);
  QVERIFY(x->max() >= 20000.0 && x->max() < 30000.0);
  auto* y = qobject_cast<QValueAxis*>(valueAxis(chart));
  QVERIFY(y->min() < 1.0 + 1.0 / 20000 && y->max() > 2.0);

  chart.hideSeries(QStringLiteral("loss"));
  QVERIFY(chart.seriesNames().isEmpty());
  QCOMPARE(store.rowCount(), 1);  // the chart never owns the data
}

void TestMetricChart::smoothingAddsALine() {
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Loss"), QStringLiteral("loss"));
  chart.showSeries(QStringLiteral("loss"), MetricChart::Style::Batch);
  chart.showSeries(QStringLiteral("validation accuracy"), MetricChart::Style::Epoch);
  store.append(store.series(QStringLiteral("loss")), {QPointF(1, 1.0), QPointF(2, 0.0), QPointF(3, 1.0)});
  chart.setSmoothing(0.0);
  int visible = 0;
  for (QAbstractSeries* s : chart.chart()->series())
    visible += s->isVisible() && s->type() == QAbstractSeries::SeriesTypeLine;
  QCOMPARE(visible, 2);  // the raw loss and the accuracy line
  chart.setSmoothing(0.5);
  QCOMPARE(chart.smoothing(), 0.5);
  QList<QLineSeries*> lines;
  for (QAbstractSeries* s : chart.chart()->series())
    if (s->isVisible() && s->name() == QStringLiteral("loss")) lines.append(qobject_cast<QLineSeries*>(s));
  QCOMPARE(lines.size(), 2);  // raw and smoothed
  // The smoothed copy is the debiased EMA of the raw points: averages 0.5, 0.25.
  const QList<QPointF> smoothed = lines[1]->points();
  QCOMPARE(smoothed.size(), 3);
  QCOMPARE(smoothed[0].y(), 1.0);
  QCOMPARE(smoothed[1].y(), 0.25 / 0.75);
}

void TestMetricChart::logScale() {
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Learning rate"), QStringLiteral("lr"));
  chart.showSeries(QStringLiteral("learning rate"), MetricChart::Style::Plain);
  store.append(store.series(QStringLiteral("learning rate")),
               {QPointF(1, 0.1), QPointF(2, 0.0), QPointF(3, 0.01), QPointF(4, 0.001)});
  chart.refresh();
  QCOMPARE(valueAxis(chart)->type(), QAbstractAxis::AxisTypeValue);
  QCOMPARE(chart.displayedCount(QStringLiteral("learning rate")), 4);

  chart.setLogScale(true);
  QVERIFY(chart.logScale());
  auto* log = qobject_cast<QLogValueAxis*>(valueAxis(chart));
  QVERIFY(log != nullptr);
  QCOMPARE(chart.displayedCount(QStringLiteral("learning rate")), 3);  // 0 has no place on a log axis
  QVERIFY(log->min() < 0.001 && log->min() > 0.0 && log->max() > 0.1);
  // Every series is drawn against the new axis.
  for (QAbstractSeries* s : chart.chart()->series()) QVERIFY(s->attachedAxes().contains(log));
  auto* action = chart.findChild<QAction*>(QStringLiteral("logScaleAction"));
  QVERIFY(action && action->isChecked());
  action->toggle();  // the context menu's switch
  QVERIFY(!chart.logScale());
  QCOMPARE(valueAxis(chart)->type(), QAbstractAxis::AxisTypeValue);
  QCOMPARE(chart.displayedCount(QStringLiteral("learning rate")), 4);
}

void TestMetricChart::markerAndReadout() {
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Accuracy"), QStringLiteral("accuracy"));
  chart.resize(640, 420);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  chart.showSeries(QStringLiteral("train accuracy"), MetricChart::Style::Epoch);
  chart.showSeries(QStringLiteral("validation accuracy"), MetricChart::Style::Epoch);
  store.append(store.series(QStringLiteral("train accuracy")),
               {QPointF(100, 0.5), QPointF(200, 0.7), QPointF(300, 0.8)});
  store.append(store.series(QStringLiteral("validation accuracy")), {QPointF(100, 0.55), QPointF(200, 0.6)});
  chart.setMarker(QPointF(200, 0.7), QStringLiteral("train accuracy"), QStringLiteral("best"));
  QCOMPARE(chart.marker(), std::optional<QPointF>(QPointF(200, 0.7)));

  QCOMPARE(chart.readout(50), QString());
  QCOMPARE(chart.readout(250),
           QStringLiteral("iteration 250 · train accuracy 0.7 · validation accuracy 0.6"));
  QCOMPARE(chart.readout(300),
           QStringLiteral("iteration 300 · train accuracy 0.8 · validation accuracy 0.6"));

  // Hovering over the plot at iteration ~150 shows the read-out there.
  QTRY_VERIFY(chart.chart()->plotArea().width() > 0);
  QAbstractSeries* any = chart.chart()->series().constFirst();
  const QPointF inChart = chart.chart()->mapToPosition(QPointF(150, 0.6), any);
  const QPoint inView = chart.mapFromScene(chart.chart()->mapToScene(inChart));
  QTest::mouseMove(chart.viewport(), inView);
  QTRY_VERIFY2(chart.hoverText().startsWith(QStringLiteral("iteration 1")), qPrintable(chart.hoverText()));
  QVERIFY2(chart.hoverText().contains(QStringLiteral("train accuracy 0.5 · validation accuracy 0.55")),
           qPrintable(chart.hoverText()));
  chart.hoverAt(QPoint(1, 1));  // outside the plot area
  QCOMPARE(chart.hoverText(), QString());

  chart.setMarker(std::nullopt);
  QVERIFY(!chart.marker().has_value());
}

void TestMetricChart::exports() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  SeriesStore store;
  MetricChart chart(&store, QStringLiteral("Throughput"), QStringLiteral("samples/s"));
  chart.resize(500, 300);
  chart.showSeries(QStringLiteral("samples/s"), MetricChart::Style::Batch);
  const QString csv = dir.filePath(QStringLiteral("throughput.csv"));
  QVERIFY2(chart.exportCsv(csv).contains(QStringLiteral("no points")), "an empty chart exported");
  store.append(store.series(QStringLiteral("other chart's series")), QPointF(1, 1));
  store.append(store.series(QStringLiteral("samples/s")), {QPointF(1, 900), QPointF(2, 1100)});
  QCOMPARE(chart.exportCsv(csv), QString());
  QFile file(csv);
  QVERIFY(file.open(QIODevice::ReadOnly));
  QCOMPARE(QString::fromUtf8(file.readAll()),
           QStringLiteral("series,x,y\n\"samples/s\",1,900\n\"samples/s\",2,1100\n"));

  const QString png = dir.filePath(QStringLiteral("throughput.png"));
  QCOMPARE(chart.exportPng(png), QString());
  const QImage image(png);
  QVERIFY(!image.isNull());
  QCOMPARE(image.size(), chart.size() * chart.devicePixelRatio());
  QVERIFY(!chart.exportPng(dir.filePath(QStringLiteral("missing/dir/x.png"))).isEmpty());
}

QTEST_MAIN(TestMetricChart)
#include "tst_metricchart.moc"
