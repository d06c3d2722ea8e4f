// SeriesStore: every point of every chart series of a run, kept in full. A
// table model with one row per series (name, point count, last point, y
// range) so a view or a test can inspect it; charts read the points and ask
// for a display copy thinned to about their pixel width, which keeps each
// bucket's extremes so a spike never disappears from the picture.
#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QPointF>
#include <QString>

#include <vector>

class SeriesStore : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { NameColumn, CountColumn, LastXColumn, LastYColumn, MinYColumn, MaxYColumn, ColumnCount };

  explicit SeriesStore(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // The id (row) of the series of that name, added empty if there is none.
  int series(const QString& name);
  // -1 when there is no such series.
  int find(const QString& name) const;
  QString name(int id) const;
  int seriesCount() const { return static_cast<int>(m_series.size()); }
  const std::vector<QPointF>& points(int id) const;
  // Optimizer updates per epoch of the run the series belongs to, so a chart
  // can count its x in epochs; 0 while unknown.
  void setUpdatesPerEpoch(int id, double updates);
  double updatesPerEpoch(int id) const;

  // Points are appended in order of x (iterations only grow).
  void append(int id, const QList<QPointF>& points);
  void append(int id, QPointF point) { append(id, QList<QPointF>{point}); }
  // Removes every series (a new run starts).
  void clear();
  // Removes the series of that name, if there is one (later ids shift down).
  void removeSeries(const QString& name);

  // At most about 2 * buckets + 2 points of `points`: the first and last point
  // and, for each of `buckets` equal runs of points, its lowest and highest in
  // their original order. Fewer points than that come back unchanged.
  static QList<QPointF> downsample(const std::vector<QPointF>& points, int buckets);
  // TensorBoard's smoothing: an exponential moving average with weight
  // `weight` in [0, 1), debiased so the first points are not pulled to zero.
  static std::vector<QPointF> smooth(const std::vector<QPointF>& points, double weight);

  // "series,x,y" lines for the series `ids` (all when empty), with a header.
  QString toCsv(const QList<int>& ids = {}) const;
  // Writes toCsv(ids) to `path`; returns "" or the error to show.
  QString writeCsv(const QString& path, const QList<int>& ids = {}) const;

 signals:
  void pointsAppended(int id);

 private:
  struct Series {
    QString name;
    std::vector<QPointF> points;
    double minY = 0.0;
    double maxY = 0.0;
    double updatesPerEpoch = 0.0;
  };
  std::vector<Series> m_series;
};
