// MetricChart: one chart of training metrics over iterations or epochs, a
// view over a SeriesStore. It draws the series it is told to show, thinned to about its
// plot's pixel width (the store keeps every point), can smooth the per-batch
// series (a faint raw line under the smoothed one), switch its value axis to
// a log scale, mark one point (the best epoch), read out the values under the
// mouse, and export its series as CSV or itself as PNG (context menu). A short
// chart leaves out its axis titles and puts fewer ticks on its value axis.
// Its legend (ChartLegend) wraps, and lists an earlier run's series after
// the run's name.
// It zooms into a rectangle dragged with the left button or by Ctrl+wheel
// around the mouse, pans with the middle button, and follows the data again
// after a double-click or "Reset zoom"; while zoomed, new points do not move
// the view.
#pragma once

#include <QChartView>
#include <QList>
#include <QPair>
#include <QPointF>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

class ChartLegend;
class QAction;
class QGraphicsLineItem;
class QGraphicsSimpleTextItem;
class QLineSeries;
class QXYSeries;
class QScatterSeries;
class QAbstractAxis;
class QValueAxis;
class SeriesStore;

class MetricChart : public QChartView {
  Q_OBJECT

 public:
  enum class Style {
    Batch,  // one point per batch: smoothable, no markers
    Epoch,  // one point per epoch: markers
    Plain,  // a line as it is (learning rate)
  };
  // What the x axis counts. The store's x is always the optimizer update
  // count; in Epochs each series' updates are divided by its run's updates
  // per epoch (SeriesStore::updatesPerEpoch), and a series whose run has none
  // yet is left out.
  enum class XUnit { Iterations, Epochs };

  MetricChart(SeriesStore* store, const QString& title, const QString& valueTitle, QWidget* parent = nullptr);

  // Draws the store's series `name` (it may gain its first point later).
  // A series of an overlaid earlier run, named "<overlayRun>: <metric>", is
  // dashed and listed in the legend after the run's name.
  void showSeries(const QString& name, Style style, const QString& overlayRun = {});
  void hideSeries(const QString& name);
  QStringList seriesNames() const;

  // 0 shows the raw batches only; up to 0.99 smooths more.
  void setSmoothing(double weight);
  double smoothing() const { return m_smoothing; }
  void setLogScale(bool on);
  bool logScale() const { return m_logScale; }
  // The most a value can be (an accuracy's 1): the y axis, rounded to nice
  // numbers, stops there.
  void setValueCeiling(double ceiling) { m_ceiling = ceiling; }
  // Titles and counts the x axis in that unit; it resets the zoom, whose
  // rectangle counts the other unit.
  void setXUnit(XUnit unit);
  XUnit xUnit() const { return m_xUnit; }
  // Highlights `point` (in the store's x) of the series `series`, with its
  // label for the read-out of tools that list series; nullopt removes it.
  void setMarker(std::optional<QPointF> point, const QString& series = {}, const QString& label = {});
  std::optional<QPointF> marker() const { return m_marker; }

  // Re-reads the store and rescales the axes.
  void refresh();
  // The x values (iterations or epochs) this chart's points span (after the
  // last refresh), and a range the x axis must cover as well, so charts side
  // by side can share one axis.
  std::optional<QPair<double, double>> extentX() const { return m_extentX; }
  void setSharedXRange(std::optional<QPair<double, double>> range);
  // The part of the plot the person chose, in values; nullopt when the chart
  // follows its data.
  std::optional<QRectF> zoom() const { return m_zoom; }
  // The x axis scaled by `factor` (< 1 zooms in) around x value `center`.
  void zoomX(double factor, double center);
  void resetZoom();

  // The legend's text, and where it is in the chart's coordinates.
  QString legendText() const;
  QRectF legendRect() const;

  // Points drawn for the raw series `name` (after thinning); -1 if not shown.
  int displayedCount(const QString& name) const;

  // "iteration N · <series> <value> · ..." (or "epoch 1.25 · ...") with each
  // shown series' last point at or before x, in the axis' unit; empty where
  // no series has one.
  QString readout(double x) const;
  // The read-out on the chart now (empty when the mouse is outside the plot).
  QString hoverText() const;
  // Shows the read-out for a position in the view's coordinates, as hovering
  // there does.
  void hoverAt(const QPoint& pos);

  // Each returns "" on success, else the error to show.
  QString exportCsv(const QString& path) const;
  QString exportPng(const QString& path);

 signals:
  // A click on series `name` near `point` (iteration, value), whatever the x axis counts.
  void seriesClicked(const QString& name, const QPointF& point);
  void logScaleChanged(bool on);

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct Shown {
    QString name;
    Style style;
    QLineSeries* raw = nullptr;
    QLineSeries* smoothed = nullptr;  // Batch style only
    QString run;                      // an overlaid earlier run's name; "" for the live run
    QColor color;
  };
  void attach(QXYSeries* series);
  void rebuildValueAxis();
  void updateAxisTitles();
  void labelXAxis();  // its title and number format, for m_xUnit
  void updateLegend();
  void applyRanges();     // the axes from the extents, or the zoom
  void keepAxesAsZoom();  // after Qt's rubber band or scroll moved the axes
  void clearHover();
  int displayBuckets() const;
  // Store x per axis unit for series `name`: 1 in iterations, its updates per
  // epoch in epochs; nullopt where the series cannot be placed.
  std::optional<double> updatesPerX(const QString& name) const;
  QList<QPointF> displayPoints(const std::vector<QPointF>& points, double updatesPerX) const;
  // The shown series whose line passes nearest `pos` (view coordinates), if
  // one passes within a few pixels, and the point there in the store's x.
  std::optional<std::pair<QString, QPointF>> seriesAt(const QPoint& pos) const;

  SeriesStore* m_store;
  QString m_valueTitle;
  QList<Shown> m_shown;
  QValueAxis* m_axisX = nullptr;
  QAbstractAxis* m_axisY = nullptr;
  QScatterSeries* m_markerSeries = nullptr;
  std::optional<QPointF> m_marker;
  QString m_markedSeries;  // the series m_marker belongs to
  std::optional<QPair<double, double>> m_extentX;
  std::optional<QPair<double, double>> m_extentY;
  std::optional<QPair<double, double>> m_sharedX;
  std::optional<QRectF> m_zoom;       // x: the axis' unit, y: values
  std::optional<QPoint> m_panFrom;    // the middle button's last position while it pans
  std::optional<QPoint> m_pressedAt;  // the left button's press: a release near it is a click
  ChartLegend* m_legend = nullptr;
  QGraphicsSimpleTextItem* m_hoverText = nullptr;
  QGraphicsLineItem* m_hoverLine = nullptr;
  QAction* m_logAction = nullptr;
  double m_smoothing = 0.0;
  bool m_logScale = false;
  std::optional<double> m_ceiling;
  XUnit m_xUnit = XUnit::Iterations;
  int m_nextColor = 0;
};
