using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Scriban;
using Scriban.Functions;
using Scriban.Runtime;

namespace AllocGen.Generators.Emission;

/// <summary>
/// Renders the embedded Scriban templates. What costs time is kept out of the per-render path: each template is parsed
/// once per process, Scriban's builtin functions are built once and shared (frozen), and each render writes into a
/// buffer sized for that template's last output. Each render still gets a fresh context and fresh globals.
/// </summary>
internal static class TemplateRenderer
{
    // Lazy, so that two threads asking for the same template at once still parse it once.
    private static readonly ConcurrentDictionary<string, Lazy<Template>> s_templates = new();

    // The length of each template's last output: the next render's buffer starts that large instead of growing
    // (doubling and copying) through a generated file of tens of kilobytes.
    private static readonly ConcurrentDictionary<string, int> s_outputLengths = new();

    // A TemplateContext built without builtins imports Scriban's whole library (string., array., math., date., ...),
    // hundreds of functions through reflection, on every render. One read-only set serves every render and thread.
    private static readonly Lazy<ScriptObject> s_builtins = new(() => new BuiltinFunctions { IsReadOnly = true });

    private static int s_parseCount;

    /// <summary>How many times a template was parsed in this process: once per template, however many renders.</summary>
    internal static int ParseCount => Volatile.Read(ref s_parseCount);

    public static string Render(string templateName, object model)
    {
        Template template = s_templates.GetOrAdd(templateName, name => new Lazy<Template>(() => Load(name))).Value;
        var globals = new ScriptObject();
        globals.Import(model, renamer: member => member.Name);

        // Unrolled emission loops over every size class: lift Scriban's default loop limit.
        var context = new TemplateContext(s_builtins.Value) { MemberRenamer = member => member.Name, LoopLimit = 0, StrictVariables = true };
        var output = new StringBuilder(s_outputLengths.TryGetValue(templateName, out int length) ? length : 0);
        context.PushOutput(new StringBuilderOutput(output));
        context.PushGlobal(globals);
        string text = template.Render(context);
        s_outputLengths[templateName] = text.Length;
        return text.IndexOf('\r') < 0 ? text : text.Replace("\r\n", "\n");
    }

    private static Template Load(string templateName)
    {
        Interlocked.Increment(ref s_parseCount);
        string resource = "AllocGen.Templates." + templateName;
        using Stream stream = typeof(TemplateRenderer).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException("Missing embedded template " + resource);
        using var reader = new StreamReader(stream);
        Template template = Template.Parse(reader.ReadToEnd(), templateName);
        if (template.HasErrors)
        {
            throw new InvalidOperationException("Template " + templateName + " is invalid: " + string.Join("; ", template.Messages.Select(m => m.ToString())));
        }

        return template;
    }
}
