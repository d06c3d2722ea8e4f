#include "SeriesStore.h"

#include <QSaveFile>

#include <algorithm>

#include "fitbench/error.h"

SeriesStore::SeriesStore(QObject* parent) : QAbstractTableModel(parent) {}

int SeriesStore::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_series.size());
}

int SeriesStore::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SeriesStore::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  const Series& s = m_series[static_cast<size_t>(index.row())];
  if (index.column() == NameColumn) return s.name;
  if (index.column() == CountColumn) return static_cast<qulonglong>(s.points.size());
  if (s.points.empty()) return {};
  switch (index.column()) {
    case LastXColumn:
      return s.points.back().x();
    case LastYColumn:
      return s.points.back().y();
    case MinYColumn:
      return s.minY;
    case MaxYColumn:
      return s.maxY;
    default:
      return {};
  }
}

QVariant SeriesStore::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
    return QAbstractTableModel::headerData(section, orientation, role);
  switch (section) {
    case NameColumn:
      return tr("Series");
    case CountColumn:
      return tr("Points");
    case LastXColumn:
      return tr("Last x");
    case LastYColumn:
      return tr("Last value");
    case MinYColumn:
      return tr("Lowest");
    case MaxYColumn:
      return tr("Highest");
    default:
      return {};
  }
}

int SeriesStore::series(const QString& name) {
  const int found = find(name);
  if (found >= 0) return found;
  const int row = static_cast<int>(m_series.size());
  beginInsertRows({}, row, row);
  m_series.push_back(Series{name, {}, 0.0, 0.0, 0.0});
  endInsertRows();
  return row;
}

int SeriesStore::find(const QString& name) const {
  for (size_t i = 0; i < m_series.size(); ++i)
    if (m_series[i].name == name) return static_cast<int>(i);
  return -1;
}

QString SeriesStore::name(int id) const {
  FB_ASSERT(id >= 0 && id < seriesCount());
  return m_series[static_cast<size_t>(id)].name;
}

const std::vector<QPointF>& SeriesStore::points(int id) const {
  FB_ASSERT(id >= 0 && id < seriesCount());
  return m_series[static_cast<size_t>(id)].points;
}

void SeriesStore::setUpdatesPerEpoch(int id, double updates) {
  FB_ASSERT(id >= 0 && id < seriesCount());
  m_series[static_cast<size_t>(id)].updatesPerEpoch = updates;
}

double SeriesStore::updatesPerEpoch(int id) const {
  FB_ASSERT(id >= 0 && id < seriesCount());
  return m_series[static_cast<size_t>(id)].updatesPerEpoch;
}

void SeriesStore::append(int id, const QList<QPointF>& points) {
  FB_ASSERT(id >= 0 && id < seriesCount());
  if (points.isEmpty()) return;
  Series& s = m_series[static_cast<size_t>(id)];
  for (const QPointF& p : points) {
    if (s.points.empty()) {
      s.minY = s.maxY = p.y();
    } else {
      s.minY = std::min(s.minY, p.y());
      s.maxY = std::max(s.maxY, p.y());
    }
    s.points.push_back(p);
  }
  emit dataChanged(index(id, CountColumn), index(id, MaxYColumn));
  emit pointsAppended(id);
}

void SeriesStore::clear() {
  if (m_series.empty()) return;
  beginResetModel();
  m_series.clear();
  endResetModel();
}

void SeriesStore::removeSeries(const QString& name) {
  const int row = find(name);
  if (row < 0) return;
  beginRemoveRows({}, row, row);
  m_series.erase(m_series.begin() + row);
  endRemoveRows();
}

QList<QPointF> SeriesStore::downsample(const std::vector<QPointF>& points, int buckets) {
  const size_t n = points.size();
  buckets = std::max(buckets, 1);
  if (n <= static_cast<size_t>(2 * buckets + 2)) return QList<QPointF>(points.begin(), points.end());
  QList<QPointF> out;
  out.reserve(2 * buckets + 2);
  out.append(points.front());
  // Buckets over the inner points; the first and last are always kept.
  const size_t inner = n - 2;
  for (int b = 0; b < buckets; ++b) {
    const size_t begin = 1 + inner * static_cast<size_t>(b) / static_cast<size_t>(buckets);
    const size_t end = 1 + inner * static_cast<size_t>(b + 1) / static_cast<size_t>(buckets);
    if (begin >= end) continue;
    size_t lo = begin, hi = begin;
    for (size_t i = begin + 1; i < end; ++i) {
      if (points[i].y() < points[lo].y()) lo = i;
      if (points[i].y() > points[hi].y()) hi = i;
    }
    out.append(points[std::min(lo, hi)]);
    if (lo != hi) out.append(points[std::max(lo, hi)]);
  }
  out.append(points.back());
  return out;
}

std::vector<QPointF> SeriesStore::smooth(const std::vector<QPointF>& points, double weight) {
  weight = std::clamp(weight, 0.0, 0.999);
  std::vector<QPointF> out;
  out.reserve(points.size());
  double average = 0.0;
  double debias = 1.0;  // weight^(i+1)
  for (const QPointF& p : points) {
    average = average * weight + (1.0 - weight) * p.y();
    debias *= weight;
    out.emplace_back(p.x(), debias < 1.0 ? average / (1.0 - debias) : p.y());
  }
  return out;
}

QString SeriesStore::toCsv(const QList<int>& ids) const {
  QList<int> rows = ids;
  if (rows.isEmpty())
    for (int i = 0; i < seriesCount(); ++i) rows.append(i);
  QString csv = QStringLiteral("series,x,y\n");
  for (int id : std::as_const(rows)) {
    QString quoted = name(id);
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    quoted = QLatin1Char('"') + quoted + QLatin1Char('"');
    for (const QPointF& p : points(id))
      csv += quoted + QLatin1Char(',') + QString::number(p.x(), 'g', 17) + QLatin1Char(',') +
             QString::number(p.y(), 'g', 17) + QLatin1Char('\n');
  }
  return csv;
}

QString SeriesStore::writeCsv(const QString& path, const QList<int>& ids) const {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
    return tr("Cannot write %1: %2").arg(path, file.errorString());
  file.write(toCsv(ids).toUtf8());
  if (!file.commit()) return tr("Cannot write %1: %2").arg(path, file.errorString());
  return {};
}
