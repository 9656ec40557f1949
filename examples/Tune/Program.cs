// AllocGen tuning tool: replays an allocation trace on every allocator variant declared in this project, on the
// system allocator and on size classes fitted to the trace, and writes report.md, report.json, memory.svg, time.svg.
using System.CommandLine;
using AllocGen.Tune;
using AllocGen.Tune.Replay;
using AllocGen.Tune.Tracing;
using Spectre.Console;

var trace = new Argument<FileInfo>("trace") { Description = "The trace to replay: binary or text (told apart by its first bytes)." };
var output = new Option<DirectoryInfo>("--out") { Description = "Directory for report.md, report.json, memory.svg and time.svg.", Required = true };
var repeat = new Option<int>("--repeat") { Description = "Timed passes per variant; the report gives their median.", DefaultValueFactory = _ => 5 };
var sampleEvery = new Option<int?>("--sample-every") { Description = "Operations between samples of the statistics (default: about 256 samples)." };
var classes = new Option<int?>("--classes") { Description = "Size classes of the fitted set (default: the count with the least estimated memory: rounding waste at the live peak plus half a pool per class)." };
var root = new RootCommand("Replays an allocation trace on allocator variants and recommends a [PoolAllocator] configuration.")
{
    trace, output, repeat, sampleEvery, classes,
};

root.SetAction(parse =>
{
    var settings = new TuneSettings(
        parse.GetValue(trace)!.FullName,
        parse.GetValue(output)!.FullName,
        Math.Max(1, parse.GetValue(repeat)),
        parse.GetValue(sampleEvery) is > 0 and var every ? every : null,
        parse.GetValue(classes));
    try
    {
        // A live display on a terminal; plain lines when the output is redirected (CI, pipes).
        var report = Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive
            ? TuneTool.Run(settings, new PlainProgress(Console.Out), Console.Out)
            : AnsiConsole.Progress().Start(context => TuneTool.Run(settings, new SpectreProgress(context), Console.Out));
        Console.WriteLine($"Recommended: {report.Recommended}");
        Console.WriteLine(report.Recommendation.PoolAllocator);
        Console.WriteLine(report.Recommendation.SizeClasses);
        Console.WriteLine($"Report: {Path.Combine(settings.OutputDirectory, "report.md")}");
        return 0;
    }
    catch (ReplayFailedException e)
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
    catch (Exception e) when (e is FormatException or InvalidDataException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
});

// convert <input> <output> [--to binary|text]: a trace from one form to the other (by default, the other form than the input's).
var convertInput = new Argument<FileInfo>("input") { Description = "The trace to read: binary or text." };
var convertOutput = new Argument<FileInfo>("output") { Description = "Where to write it." };
var convertTo = new Option<TraceForm?>("--to") { Description = "The form to write: binary or text (default: the other form than the input's)." };
var convert = new Command("convert", "Converts a trace between its binary and text forms.") { convertInput, convertOutput, convertTo };
convert.SetAction(parse =>
{
    try
    {
        (TraceForm written, string? note) = TraceConversion.Convert(parse.GetValue(convertInput)!.FullName, parse.GetValue(convertOutput)!.FullName, parse.GetValue(convertTo));
        if (note is not null)
        {
            Console.WriteLine(note);
        }

        Console.WriteLine($"Wrote {parse.GetValue(convertOutput)!.FullName} ({written.ToString().ToLowerInvariant()} form)");
        return 0;
    }
    catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
});
root.Subcommands.Add(convert);

return root.Parse(args).Invoke();
