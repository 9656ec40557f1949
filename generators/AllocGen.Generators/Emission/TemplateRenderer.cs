using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using Scriban;
using Scriban.Runtime;

namespace AllocGen.Generators.Emission;

/// <summary>Renders the embedded Scriban templates. Templates are parsed once; each render gets a fresh context.</summary>
internal static class TemplateRenderer
{
    private static readonly ConcurrentDictionary<string, Template> s_templates = new();

    public static string Render(string templateName, object model)
    {
        Template template = s_templates.GetOrAdd(templateName, Load);
        var globals = new ScriptObject();
        globals.Import(model, renamer: member => member.Name);

        // Unrolled emission loops over every size class: lift Scriban's default loop limit.
        var context = new TemplateContext { MemberRenamer = member => member.Name, LoopLimit = 0, StrictVariables = true };
        context.PushGlobal(globals);
        return template.Render(context).Replace("\r\n", "\n");
    }

    private static Template Load(string templateName)
    {
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
