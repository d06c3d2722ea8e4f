// SeriesStore: the model of every chart point. It passes
// QAbstractItemModelTester while series are added, filled and removed, its
// columns report each series, thinning for display keeps the extremes and the
// ends within its point budget, smoothing matches TensorBoard's debiased EMA,
// and the CSV export holds every point.
#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <vector>

#include "SeriesStore.h"

class TestSeriesStore : public QObject {
  Q_OBJECT

 private slots:
  void modelFollowsTheSeries();
  void downsampleKeepsExtremes_data();
  void downsampleKeepsExtremes();
  void smoothing();
  void csvHoldsEveryPoint();
};

void TestSeriesStore::modelFollowsTheSeries() {
  SeriesStore store;
  QAbstractItemModelTester tester(&store, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QCOMPARE(store.rowCount(), 0);
  const int loss = store.series(QStringLiteral("loss"));
  const int lr = store.series(QStringLiteral("learning rate"));
  QCOMPARE(store.series(QStringLiteral("loss")), loss);  // found, not added twice
  QCOMPARE(store.rowCount(), 2);
  QCOMPARE(store.find(QStringLiteral("nothing")), -1);

  QSignalSpy appended(&store, &SeriesStore::pointsAppended);
  store.append(loss, {QPointF(1, 2.5), QPointF(2, 1.5), QPointF(3, 1.75)});
  store.append(lr, QPointF(1, 0.05));
  QCOMPARE(appended.count(), 2);
  QCOMPARE(store.data(store.index(loss, SeriesStore::NameColumn)).toString(), QStringLiteral("loss"));
  QCOMPARE(store.data(store.index(loss, SeriesStore::CountColumn)).toInt(), 3);
  QCOMPARE(store.data(store.index(loss, SeriesStore::LastXColumn)).toDouble(), 3.0);
  QCOMPARE(store.data(store.index(loss, SeriesStore::LastYColumn)).toDouble(), 1.75);
  QCOMPARE(store.data(store.index(loss, SeriesStore::MinYColumn)).toDouble(), 1.5);
  QCOMPARE(store.data(store.index(loss, SeriesStore::MaxYColumn)).toDouble(), 2.5);
  QCOMPARE(store.headerData(SeriesStore::CountColumn, Qt::Horizontal).toString(), QStringLiteral("Points"));

  store.removeSeries(QStringLiteral("loss"));
  QCOMPARE(store.rowCount(), 1);
  QCOMPARE(store.find(QStringLiteral("learning rate")), 0);
  QCOMPARE(store.points(0).size(), size_t{1});
  store.clear();
  QCOMPARE(store.rowCount(), 0);
}

void TestSeriesStore::downsampleKeepsExtremes_data() {
  QTest::addColumn<int>("count");
  QTest::addColumn<int>("buckets");
  QTest::newRow("fewer points than the budget") << 50 << 100;
  QTest::newRow("one bucket") << 1000 << 1;
  QTest::newRow("a chart's width") << 100000 << 400;
  QTest::newRow("uneven buckets") << 1237 << 97;
}

void TestSeriesStore::downsampleKeepsExtremes() {
  QFETCH(int, count);
  QFETCH(int, buckets);
  std::vector<QPointF> points;
  for (int i = 0; i < count; ++i) points.emplace_back(i, std::sin(i * 0.37) + 0.001 * i);
  // One spike each way in the middle.
  points[static_cast<size_t>(count / 3)].setY(50.0);
  points[static_cast<size_t>(2 * count / 3)].setY(-50.0);

  const QList<QPointF> shown = SeriesStore::downsample(points, buckets);
  if (count <= 2 * buckets + 2) {
    QCOMPARE(shown.size(), count);
  } else {
    QVERIFY2(shown.size() <= 2 * buckets + 2, qPrintable(QString::number(shown.size())));
    QVERIFY(shown.size() >= buckets);
  }
  QCOMPARE(shown.first(), points.front());
  QCOMPARE(shown.last(), points.back());
  QVERIFY(shown.contains(points[static_cast<size_t>(count / 3)]));
  QVERIFY(shown.contains(points[static_cast<size_t>(2 * count / 3)]));
  for (qsizetype i = 1; i < shown.size(); ++i) QVERIFY(shown[i - 1].x() < shown[i].x());  // order kept
}

void TestSeriesStore::smoothing() {
  const std::vector<QPointF> points{{0, 0.0}, {1, 1.0}, {2, 1.0}};
  const std::vector<QPointF> raw = SeriesStore::smooth(points, 0.0);
  QCOMPARE(raw.size(), points.size());
  for (size_t i = 0; i < points.size(); ++i) QCOMPARE(raw[i], points[i]);

  // weight 0.5: averages 0, 0.5, 0.75 debiased by 1 - 0.5^(i+1).
  const std::vector<QPointF> smoothed = SeriesStore::smooth(points, 0.5);
  QCOMPARE(smoothed[0].y(), 0.0);
  QCOMPARE(smoothed[1].y(), 0.5 / 0.75);
  QCOMPARE(smoothed[2].y(), 0.75 / 0.875);
  QCOMPARE(smoothed[2].x(), 2.0);

  // A constant stays constant: the debiasing removes the pull towards zero.
  const std::vector<QPointF> flat = SeriesStore::smooth({{0, 3.0}, {1, 3.0}, {2, 3.0}}, 0.9);
  for (const QPointF& p : flat) QVERIFY(std::abs(p.y() - 3.0) < 1e-12);
}

void TestSeriesStore::csvHoldsEveryPoint() {
  SeriesStore store;
  const int a = store.series(QStringLiteral("train \"top\" accuracy"));
  const int b = store.series(QStringLiteral("loss"));
  store.append(a, {QPointF(10, 0.5), QPointF(20, 0.75)});
  store.append(b, QPointF(1, 2.25));
  QCOMPARE(store.toCsv(),
           QStringLiteral(
               "series,x,y\n\"train \"\"top\"\" accuracy\",10,0.5\n\"train \"\"top\"\" accuracy\",20,0.75\n"
               "\"loss\",1,2.25\n"));
  QCOMPARE(store.toCsv({b}), QStringLiteral("series,x,y\n\"loss\",1,2.25\n"));

  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString path = dir.filePath(QStringLiteral("all.csv"));
  QCOMPARE(store.writeCsv(path), QString());
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  QCOMPARE(QString::fromUtf8(file.readAll()), store.toCsv());
  const QString error = store.writeCsv(dir.filePath(QStringLiteral("no/such/dir/all.csv")));
  QVERIFY2(error.startsWith(QStringLiteral("Cannot write ")), qPrintable(error));
}

QTEST_MAIN(TestSeriesStore)
#include "tst_seriesstore.moc"
