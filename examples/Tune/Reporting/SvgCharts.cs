using System.Globalization;
using System.Xml.Linq;
using AllocGen.Tune.Replay;

namespace AllocGen.Tune.Reporting;

/// <summary>The two charts, drawn as plain SVG (built as XML, so always well-formed).</summary>
public static class SvgCharts
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"];

    private const double Width = 960, Height = 440, Left = 80, Right = 260, Top = 40, Bottom = 50;

    /// <summary>Bytes reserved by each variant, and bytes live (the trace's, the same for all), against the operation index.</summary>
    public static XDocument Memory(IReadOnlyList<VariantResult> results, int operations)
    {
        ArgumentNullException.ThrowIfNull(results);
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        long maxBytes = Math.Max(1, results.SelectMany(r => r.Samples).Select(s => Math.Max(s.ReservedBytes, s.LiveBytes)).DefaultIfEmpty(1).Max());
        double maxIndex = Math.Max(1, operations - 1);
        double X(int index) => Left + (Math.Max(0, index) / maxIndex * plotWidth);
        double Y(long bytes) => Top + plotHeight - (bytes / (double)maxBytes * plotHeight);

        XElement root = Root("Bytes reserved and live over the trace");
        Axes(root, plotWidth, plotHeight);
        for (int tick = 0; tick <= 4; tick++)
        {
            long bytes = maxBytes * tick / 4;
            root.Add(Text(Left - 8, Y(bytes) + 4, MarkdownReport.Bytes(bytes), "end"));
            root.Add(Text(X((int)(maxIndex * tick / 4)), Height - Bottom + 18, ((long)(maxIndex * tick / 4)).ToString("N0", Invariant), "middle"));
        }

        root.Add(Text(Left + (plotWidth / 2), Height - 8, "operation", "middle"));
        for (int i = 0; i < results.Count; i++)
        {
            root.Add(Line(results[i].Samples.Select(s => (X(s.OperationIndex), Y(s.ReservedBytes))), Colors[i % Colors.Length], dashed: false));
            Legend(root, i, Colors[i % Colors.Length], $"{results[i].Info.Name} reserved", dashed: false);
        }

        if (results.Count > 0)
        {
            root.Add(Line(results[0].Samples.Select(s => (X(s.OperationIndex), Y(s.LiveBytes))), "#000000", dashed: true));
            Legend(root, results.Count, "#000000", "live (requested)", dashed: true);
        }

        return new XDocument(root);
    }

    /// <summary>Median ns per operation of each variant, as horizontal bars.</summary>
    public static XDocument Time(IReadOnlyList<VariantResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        double barHeight = 24, gap = 10, labelWidth = 260;
        double height = Top + (results.Count * (barHeight + gap)) + Bottom;
        double plotWidth = Width - labelWidth - 100;
        double max = Math.Max(1e-9, results.Select(r => r.NsPerOp).DefaultIfEmpty(1).Max());
        XElement root = Root("Median ns per operation", height);
        for (int i = 0; i < results.Count; i++)
        {
            double y = Top + (i * (barHeight + gap));
            double width = results[i].NsPerOp / max * plotWidth;
            root.Add(Text(labelWidth - 8, y + (barHeight * 0.7), results[i].Info.Name, "end"));
            root.Add(new XElement(Svg + "rect",
                new XAttribute("x", N(labelWidth)), new XAttribute("y", N(y)),
                new XAttribute("width", N(Math.Max(1, width))), new XAttribute("height", N(barHeight)),
                new XAttribute("fill", Colors[i % Colors.Length])));
            root.Add(Text(labelWidth + Math.Max(1, width) + 6, y + (barHeight * 0.7), results[i].NsPerOp.ToString("F1", Invariant) + " ns", "start"));
        }

        return new XDocument(root);
    }

    private static XElement Root(string title, double height = Height) =>
        new(Svg + "svg",
            new XAttribute("width", N(Width)), new XAttribute("height", N(height)),
            new XAttribute("viewBox", $"0 0 {N(Width)} {N(height)}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", "12"),
            new XElement(Svg + "title", title),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "#ffffff")),
            new XElement(Svg + "text", new XAttribute("x", N(Width / 2)), new XAttribute("y", "22"), new XAttribute("text-anchor", "middle"), new XAttribute("font-size", "15"), title));

    private static void Axes(XElement root, double plotWidth, double plotHeight) =>
        root.Add(new XElement(Svg + "path",
            new XAttribute("d", $"M {N(Left)} {N(Top)} V {N(Top + plotHeight)} H {N(Left + plotWidth)}"),
            new XAttribute("stroke", "#444444"), new XAttribute("fill", "none")));

    private static void Legend(XElement root, int row, string color, string label, bool dashed)
    {
        double x = Width - Right + 20, y = Top + 10 + (row * 20);
        root.Add(Line([(x, y), (x + 24, y)], color, dashed));
        root.Add(Text(x + 30, y + 4, label, "start"));
    }

    private static XElement Line(IEnumerable<(double X, double Y)> points, string color, bool dashed)
    {
        var line = new XElement(Svg + "polyline",
            new XAttribute("points", string.Join(" ", points.Select(p => $"{N(p.X)},{N(p.Y)}"))),
            new XAttribute("fill", "none"), new XAttribute("stroke", color), new XAttribute("stroke-width", "1.5"));
        if (dashed)
        {
            line.Add(new XAttribute("stroke-dasharray", "5,4"));
        }

        return line;
    }

    private static XElement Text(double x, double y, string text, string anchor) =>
        new(Svg + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor), text);

    private static string N(double value) => value.ToString("0.##", Invariant);
}
